import type { OpDef } from '../op.js';
import { Affine } from './affine.js';
import { Attention } from './attention.js';
import { YhcConv } from './conv.js';
import { DwPw } from './dwpw.js';
import { GroupNorm } from './group_norm.js';
import { SimAM } from './simam.js';
import { YoloDecode } from './yolo_decode.js';
import { YoloNms } from './yolo_nms.js';
import { QConv } from './qconv.js';
import { BoxesToFrame, Letterbox } from './letterbox.js';

/**
 * yhc's own ops (domain ai.yhc), introduced by the passes in passes/. Each has reference
 * semantics like any ONNX op, so an optimized graph can always be interpreted and compared.
 */
export const YHC_OPS: readonly OpDef[] = [YhcConv, Affine, GroupNorm, SimAM, DwPw, Attention, YoloDecode, YoloNms, QConv, Letterbox, BoxesToFrame];
