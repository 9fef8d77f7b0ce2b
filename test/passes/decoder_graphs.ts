import { Tensor } from '../../src/tensor.js';
import type { GraphBuilder } from '../helpers/graph_builder.js';
import { int, ints } from '../helpers/attrs.js';
import { f32 } from '../helpers/tensors.js';

/**
 * Small YOLO decoders written node by node the way torch exports them (ultralytics' v10Detect:
 * DFL, dist2bbox, sigmoid, v10postprocess; the raw YOLOv8 / YOLO11 output with xywh boxes;
 * YOLO26: reg_max 1, no DFL, and its own top-k arrangement), with the variants the negative
 * tests need. The same GraphBuilder gives the pass tests IR graphs (build()) and the op tests ONNX
 * models for onnxruntime (spec()).
 */

const i64 = (values: readonly number[], shape: readonly number[] = [values.length]) => new Tensor('int64', shape, Float64Array.from(values));

export interface DecoderVariant {
  /** 'concat': box and class maps concatenated per level, then split (v10head_n); 'separate': each concatenated over levels (tiny_head). */
  readonly layout?: 'concat' | 'separate';
  readonly output?: 'detections' | 'preds';
  readonly batch?: number;
  /** Inputs with a symbolic batch dim ('batch'). */
  readonly dynamicBatch?: boolean;
  readonly nc?: number;
  readonly regMax?: number;
  /** [H, W, stride] per level. */
  readonly levels?: readonly (readonly [number, number, number])[];
  readonly maxDet?: number;
  /** Box format of the decoded boxes (xywh: the raw YOLOv8 / YOLO11 output). */
  readonly boxes?: 'xyxy' | 'xywh';
  /** The xywh centre as (x1y1 + x2y2) · 0.5 instead of / 2 (the same numbers), or as x1y1 + x2y2 (wrong: not halved). */
  readonly centre?: 'half' | 'unhalved';
  /** The top-k as YOLOv10 exports it (default), or as YOLO26 does (the winners' anchors gathered from the first TopK's indices). */
  readonly postprocess?: 'v10' | 'yolo26';
  /** Anchor centre within its cell (the op's grid has 0.5). */
  readonly cellOffset?: number;
  /** Scores through Sigmoid (default) or raw logits. */
  readonly sigmoid?: boolean;
  /** The decoded boxes also read outside the decoder: as a graph output, or by another node. */
  readonly leak?: 'output' | 'reader';
  /** Use anchor index of the second TopK as i % nc and class as i / nc (swapped). */
  readonly swapAnchorAndClass?: boolean;
}

export const SMALL = {
  nc: 3,
  regMax: 4,
  levels: [
    [4, 4, 8],
    [2, 2, 16],
  ] as const,
  maxDet: 5,
};

export interface DecoderGeometry {
  readonly batch: number;
  readonly nc: number;
  readonly regMax: number;
  readonly levels: readonly (readonly [number, number, number])[];
  readonly anchors: number;
  readonly maxDet: number;
}

export function geometryOf(v: DecoderVariant = {}): DecoderGeometry {
  const levels = v.levels ?? SMALL.levels;
  return {
    batch: v.batch ?? 1,
    nc: v.nc ?? SMALL.nc,
    regMax: v.regMax ?? SMALL.regMax,
    levels,
    anchors: levels.reduce((n, [h, w]) => n + h * w, 0),
    maxDet: v.maxDet ?? SMALL.maxDet,
  };
}

/** The graph inputs: per level `box{l}` [B, 4·reg_max, H, W] and `cls{l}` [B, nc, H, W]. */
export function writeDecoder(b: GraphBuilder, v: DecoderVariant = {}): void {
  const { batch: B, nc, regMax: R, levels, anchors: A, maxDet: K } = geometryOf(v);
  const batch = v.dynamicBatch ? 'batch' : B;
  const maps = levels.map(([h, w], l) => ({ box: b.input(`box${l}`, 'float32', [batch, 4 * R, h, w]), cls: b.input(`cls${l}`, 'float32', [batch, nc, h, w]) }));
  // Reshape targets copy the batch dim (0), as exports with a dynamic batch do.
  const shape = (dims: number[]) => b.constant(i64(dims));

  let box: string;
  let cls: string;
  if ((v.layout ?? 'concat') === 'concat') {
    const perLevel = maps.map((m) => b.op('Reshape', [b.op('Concat', [m.box, m.cls], { axis: int(1) }), shape([0, 4 * R + nc, -1])]));
    const all = b.op('Concat', perLevel, { axis: int(2) });
    [box, cls] = b.node('Split', [all, b.constant(i64([4 * R, nc]))], { axis: int(1) }, { outputs: 2 }) as [string, string];
  } else {
    box = b.op(
      'Concat',
      maps.map((m) => b.op('Reshape', [m.box, shape([0, 4 * R, -1])])),
      { axis: int(-1) },
    );
    cls = b.op(
      'Concat',
      maps.map((m) => b.op('Reshape', [m.cls, shape([0, nc, -1])])),
      { axis: int(-1) },
    );
  }

  // DFL: softmax over the bins, then a 1×1 conv with weights 0..R-1; none with reg_max 1 (YOLO26).
  let distance = box;
  if (R > 1) {
    const bins = b.op('Transpose', [b.op('Reshape', [box, shape([0, 4, R, A])])], { perm: ints([0, 2, 1, 3]) });
    const expectation = b.op('Conv', [
      b.op('Softmax', [bins], { axis: int(1) }),
      b.constant(
        f32(
          [1, R, 1, 1],
          Array.from({ length: R }, (_, i) => i),
        ),
      ),
    ]);
    distance = b.op('Reshape', [expectation, shape([0, 4, A])]);
  }

  // dist2bbox with anchor centres and per-anchor strides.
  const offset = v.cellOffset ?? 0.5;
  const xs: number[] = [];
  const ys: number[] = [];
  const strides: number[] = [];
  for (const [h, w, s] of levels) {
    for (let i = 0; i < h * w; i++) {
      xs.push((i % w) + offset);
      ys.push(Math.floor(i / w) + offset);
      strides.push(s);
    }
  }
  const anchorPoints = () => b.constant(f32([1, 2, A], [...xs, ...ys]));
  const slice = (from: number, to: number) => b.op('Slice', [distance, b.constant(i64([from])), b.constant(i64([to])), b.constant(i64([1]))]);
  const x1y1 = b.op('Sub', [anchorPoints(), slice(0, 2)]);
  const x2y2 = b.op('Add', [anchorPoints(), slice(2, 4)]);
  const decoded =
    (v.boxes ?? 'xyxy') === 'xyxy'
      ? b.op('Concat', [x1y1, x2y2], { axis: int(1) })
      : b.op('Concat', [centre(b, b.op('Add', [x1y1, x2y2]), v.centre), b.op('Sub', [x2y2, x1y1])], { axis: int(1) });
  const dbox = b.op('Mul', [decoded, b.constant(f32([1, A], strides))]);
  const scores = v.sigmoid === false ? cls : b.op('Sigmoid', [cls]);
  const preds = b.op('Concat', [dbox, scores], { axis: int(1) });
  if (v.leak === 'output') b.output(dbox);
  if (v.leak === 'reader') b.output(b.op('Relu', [dbox]));
  if ((v.output ?? 'detections') === 'preds') {
    b.output(preds);
    return;
  }

  // v10postprocess, as exported.
  const [boxes, classes] = b.node(
    'Split',
    [b.op('Transpose', [preds], { perm: ints([0, 2, 1]) }), b.constant(i64([4, nc]))],
    { axis: int(-1) },
    { outputs: 2 },
  ) as [string, string];
  const best = b.op('ReduceMax', [classes], { axes: ints([-1]), keepdims: int(0) });
  const k = b.constant(i64([K]));
  const [, ranked] = b.node('TopK', [best, k], { axis: int(-1), largest: int(1), sorted: int(1) }, { outputs: 2 }) as [string, string];
  const ranked3 = b.op('Unsqueeze', [ranked, b.constant(i64([-1]))]);
  const gather = (data: string, index3: string, width: number) =>
    b.op('GatherElements', [data, b.op('Tile', [index3, b.constant(i64([1, 1, width]))])], { axis: int(1) });
  if (v.postprocess === 'yolo26') {
    writeYolo26TopK(b, { boxes, classes, ranked3, k, nc, gather });
    return;
  }
  const topBoxes = gather(boxes, ranked3, 4);
  const topScores = b.op('Flatten', [gather(classes, ranked3, nc)], { axis: int(1) });
  const [score, picked] = b.node('TopK', [topScores, k], { axis: int(-1), largest: int(1), sorted: int(1) }, { outputs: 2 }) as [string, string];
  const ncConst = b.constant(i64([nc], []));
  const [rankOp, classOp] = v.swapAnchorAndClass ? ['Mod', 'Div'] : ['Div', 'Mod'];
  const rank = rankOp === 'Mod' ? b.op('Mod', [picked, ncConst], { fmod: int(0) }) : b.op('Div', [picked, ncConst]);
  const label = classOp === 'Mod' ? b.op('Mod', [picked, ncConst], { fmod: int(0) }) : b.op('Div', [picked, ncConst]);
  const unsqueeze = (x: string) => b.op('Unsqueeze', [x, b.constant(i64([-1]))]);
  const rows = gather(topBoxes, unsqueeze(rank), 4);
  b.output(b.op('Concat', [rows, unsqueeze(score), b.op('Cast', [unsqueeze(label)], { to: int(1) })], { axis: int(-1) }));
}

/** The xywh centre from x1y1 + x2y2: / 2 as exported, · 0.5 (the same numbers), or left unhalved (a wrong head). */
function centre(b: GraphBuilder, sum: string, how: DecoderVariant['centre']): string {
  if (how === 'unhalved') return sum;
  if (how === 'half') return b.op('Mul', [sum, b.constant(Tensor.scalar('float32', 0.5))]);
  return b.op('Div', [sum, b.constant(Tensor.scalar('float32', 2))]);
}

/**
 * YOLO26's top-k (ultralytics Detect.get_topk_index, then postprocess): the class scores of the
 * first TopK's anchors, flattened, TopK again; the winners' anchors are gathered from the first
 * TopK's indices (index // nc), and the boxes with them; labels are index % nc as float.
 */
function writeYolo26TopK(
  b: GraphBuilder,
  t: { boxes: string; classes: string; ranked3: string; k: string; nc: number; gather: (data: string, index3: string, width: number) => string },
): void {
  const flat = b.op('Flatten', [t.gather(t.classes, t.ranked3, t.nc)], { axis: int(1) });
  const [score, picked] = b.node('TopK', [flat, t.k], { axis: int(-1), largest: int(1), sorted: int(1) }, { outputs: 2 }) as [string, string];
  const ncConst = b.constant(i64([t.nc], []));
  const unsqueeze = (x: string) => b.op('Unsqueeze', [x, b.constant(i64([-1]))]);
  const anchor = b.op('GatherElements', [t.ranked3, unsqueeze(b.op('Div', [picked, ncConst]))], { axis: int(1) });
  const label = b.op('Cast', [unsqueeze(b.op('Mod', [picked, ncConst], { fmod: int(0) }))], { to: int(1) });
  b.output(b.op('Concat', [t.gather(t.boxes, anchor, 4), unsqueeze(score), label], { axis: int(-1) }));
}
