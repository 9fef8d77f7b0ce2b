import { YHC_DOMAIN, type Graph } from '../src/ir/graph.js';
import { redirect } from '../src/ir/rewrite.js';
import { Tensor } from '../src/tensor.js';
import type { Pass } from './pass.js';
import { forEachDynamicConv } from './quant_patterns.js';

/**
 * onnxruntime's dynamic-quantization chain (passes/quant_patterns.ts) → ai.yhc.QConv: one op that
 * says what runs — the input quantizer (min/max of the input per call, uint8), the int8 weights
 * with their per-channel scales and zero points, int32 accumulation, the scale product and the
 * bias in the epilogue (src/ops/yhc/qconv.ts). It computes exactly what the chain computes (each
 * float step rounded as the chain rounds it), so translation validation compares bit for bit.
 * A quantizer feeding several convs stays one statistic per conv input (the same values).
 */
export const recognizeQuant: Pass = {
  name: 'recognize-quant',
  rule: 'DynamicQuantizeLinear → ConvInteger → Cast → Mul(x_scale · w_scale) [→ Add bias] → ai.yhc.QConv',
  run(graph: Graph, log) {
    forEachDynamicConv(graph, log, (conv, m) => {
      const w = conv.input(1).constant!;
      const channels = w.shape[0]!;
      const inputs = [
        m.x,
        conv.input(1),
        graph.newConstant(`${conv.name}_w_scale`, Tensor.from('float32', [channels], m.wscale)),
        graph.newConstant(`${conv.name}_w_zero_point`, Tensor.from(w.dtype, [channels], m.wzp)),
      ];
      if (m.bias) inputs.push(graph.newConstant(`${conv.name}_b`, Tensor.from('float32', [channels], m.bias)));
      const attrs = new Map(conv.attrs);
      attrs.set('activation', { type: 'string', value: 'none' });
      attrs.set('input_quant', { type: 'string', value: 'dynamic_uint8' });
      const node = graph.newNode('QConv', YHC_DOMAIN, conv.name, attrs, inputs, m.nodes);
      const y = graph.newValue(`${conv.name}_qconv`, 'float32', m.out.shape);
      graph.appendNode(node, [y]);
      redirect(graph, m.out, y);
      log.count('DynamicQuantizeLinear → ConvInteger chain → ai.yhc.QConv');
    });
    graph.toposort();
    graph.removeDeadNodes();
  },
};
