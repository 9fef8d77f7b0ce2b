/**
 * The float elementwise ops the QDQ passes look through: a DequantizeLinear is copied into each
 * such reader (recognize-qdq), and a chain of them between a conv and its QuantizeLinear becomes
 * the conv's activation table (qdq_tables.ts).
 */
export const FLOAT_ELEMENTWISE: ReadonlySet<string> = new Set([
  'Sigmoid',
  'Mul',
  'Add',
  'Sub',
  'Div',
  'Relu',
  'Tanh',
  'Exp',
  'Neg',
  'Abs',
  'Clip',
  'Max',
  'Min',
  'Sqrt',
  'Erf',
  'QuantizeLinear',
]);
