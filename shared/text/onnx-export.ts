/** Exports a `LinearTextModel` as a self-describing ONNX graph (opset 17) that scores padded sparse docs. */
import onnxProto from 'onnx-proto';
import { type LinearTextModel, outputCount } from './linear-model.js';

const { onnx } = onnxProto;
const { DataType } = onnx.TensorProto;
const { AttributeType } = onnx.AttributeProto;
type Node = onnxProto.onnx.INodeProto;
type Attribute = onnxProto.onnx.IAttributeProto;
type Tensor = onnxProto.onnx.ITensorProto;
type ValueInfo = onnxProto.onnx.IValueInfoProto;

/** Metadata key holding the heads as JSON, so a loaded model can be checked against what the caller expects. */
export const HEADS_METADATA_KEY = 'vigil.heads';

export function exportLinearTextModel(
  model: LinearTextModel,
  meta: { producerVersion?: string; docString?: string } = {},
): Uint8Array {
  const outputs = outputCount(model.heads);
  checkShapes(model, outputs);

  // Intermediate names start with '/' so they cannot collide with a head (graph output) name.
  const nodes: Node[] = [];
  const node = (opType: string, input: string[], output: string, attribute: Attribute[] = []) =>
    nodes.push({ opType, input, output: [output], name: output, attribute });
  const keepdims = (i: number): Attribute => ({ name: 'keepdims', type: AttributeType.INT, i });
  const axis = (i: number): Attribute => ({ name: 'axis', type: AttributeType.INT, i });

  // One Gather fetches each feature's idf and its weights together, from a table [buckets, 1 + outputs]
  // whose rows are [idf, weights…]; the idf column comes out by a MatMul with [1, 0, …, 0], which ran
  // faster than a Slice or a Gather on the last axis. Per run, gathering and the dot product are the
  // costly steps: this graph took a batch of 22 texts from ~215 to ~115 µs (BENCHMARKS.md, session 8).
  node('Gather', ['table', 'indices'], '/rows');
  node('MatMul', ['/rows', '/first_column'], '/idf3');
  node('Squeeze', ['/idf3', '/axis2'], '/idf');
  node('Mul', ['values', '/idf'], '/tfidf');
  // Same floor as `tfidf`: an empty doc (or one whose features all have idf 0) scores as the bias alone.
  const normalise = (input: string, output: string) => {
    node('Mul', [input, input], `${output}/squared`);
    node('ReduceSum', [`${output}/squared`, '/axis1'], `${output}/sumsq`, [keepdims(1)]);
    node('Sqrt', [`${output}/sumsq`], `${output}/l2`);
    node('Max', [`${output}/l2`, '/eps'], `${output}/norm`);
    node('Div', [input, `${output}/norm`], output);
  };
  const split = model.blockSplit ?? 0;
  if (split > 0) {
    // Two blocks (words below the split, characters from it), each normalised on its own.
    node('GreaterOrEqual', ['indices', '/split'], '/in_second');
    node('Cast', ['/in_second'], '/second_mask', [
      { name: 'to', type: AttributeType.INT, i: DataType.FLOAT },
    ]);
    node('Mul', ['/tfidf', '/second_mask'], '/second');
    node('Sub', ['/tfidf', '/second'], '/first');
    normalise('/first', '/x_first');
    normalise('/second', '/x_second');
    node('Add', ['/x_first', '/x_second'], '/x');
  } else {
    normalise('/tfidf', '/x');
  }
  // The dot product as one batched MatMul, [batch, 1, width] × [batch, width, 1 + outputs]; column 0
  // (the idf's) is dropped by the head slices below, and /bias has a 0 there.
  node('Unsqueeze', ['/x', '/axis1'], '/x3');
  node('MatMul', ['/x3', '/rows'], '/dot3');
  node('Squeeze', ['/dot3', '/axis1'], '/dot');
  node('Concat', ['/zero_float', 'bias'], '/bias', [axis(0)]);
  node('Add', ['/dot', '/bias'], '/logits');

  const initializer = [
    floatTensor('table', [model.buckets, outputs + 1], tableOf(model, outputs)),
    floatTensor('bias', [outputs], model.bias),
    floatTensor('/eps', [], Float32Array.of(1e-12)),
    floatTensor('/zero_float', [1], Float32Array.of(0)),
    floatTensor(
      '/first_column',
      [outputs + 1, 1],
      Float32Array.from({ length: outputs + 1 }, (_, i) => (i === 0 ? 1 : 0)),
    ),
    int64Tensor('/axis1', [1]),
    int64Tensor('/axis2', [2]),
    ...(split > 0 ? [{ name: '/split', dims: [], dataType: DataType.INT64, int64Data: [split] }] : []),
  ];
  const output: ValueInfo[] = [];
  let offset = 1;
  for (const [h, head] of model.heads.entries()) {
    const n = head.labels.length;
    initializer.push(int64Tensor(`/head${h}/start`, [offset]), int64Tensor(`/head${h}/end`, [offset + n]));
    node('Slice', ['/logits', `/head${h}/start`, `/head${h}/end`, '/axis1'], `/head${h}/logits`);
    if (head.activation === 'sigmoid') node('Sigmoid', [`/head${h}/logits`], head.name);
    else node('Softmax', [`/head${h}/logits`], head.name, [{ name: 'axis', type: AttributeType.INT, i: -1 }]);
    output.push(valueInfo(head.name, DataType.FLOAT, ['batch', n]));
    offset += n;
  }

  const heads = model.heads.map(({ name, activation, labels }) => ({ name, activation, labels }));
  const proto = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    producerName: 'vigil',
    producerVersion: meta.producerVersion ?? '',
    docString: meta.docString ?? '',
    metadataProps: [
      { key: HEADS_METADATA_KEY, value: JSON.stringify(heads) },
      { key: 'vigil.blockSplit', value: String(split) },
    ],
    graph: {
      name: 'linear_text_model',
      node: nodes,
      initializer,
      input: [
        valueInfo('indices', DataType.INT64, ['batch', 'width']),
        valueInfo('values', DataType.FLOAT, ['batch', 'width']),
      ],
      output,
    },
  });
  return onnx.ModelProto.encode(proto).finish();
}

// 'idf' and 'weights' were the initializers' names before the table layout; still reserved.
const RESERVED_NAMES = new Set(['indices', 'values', 'table', 'idf', 'weights', 'bias']);

function checkShapes(model: LinearTextModel, outputs: number): void {
  const problems: string[] = [];
  if (!Number.isInteger(model.buckets) || model.buckets < 1) problems.push(`buckets ${model.buckets}`);
  if (outputs < 1) problems.push('no labels');
  if (model.idf.length !== model.buckets) problems.push(`idf length ${model.idf.length} ≠ ${model.buckets}`);
  if (model.weights.length !== model.buckets * outputs)
    problems.push(`weights length ${model.weights.length} ≠ ${model.buckets}×${outputs}`);
  if (model.bias.length !== outputs) problems.push(`bias length ${model.bias.length} ≠ ${outputs}`);
  const split = model.blockSplit ?? 0;
  if (!Number.isInteger(split) || split < 0 || split >= model.buckets) problems.push(`blockSplit ${split}`);
  const names = model.heads.map((head) => head.name);
  for (const name of names)
    if (name === '' || name.startsWith('/') || RESERVED_NAMES.has(name))
      problems.push(`reserved head name "${name}"`);
  if (new Set(names).size !== names.length) problems.push(`duplicate head names ${names.join(',')}`);
  if (problems.length > 0) throw new Error(`Cannot export linear text model: ${problems.join('; ')}`);
}

/** Row b is [idf[b], weights of b…]: what one Gather of a feature needs. */
function tableOf(model: LinearTextModel, outputs: number): Float32Array {
  const table = new Float32Array(model.buckets * (outputs + 1));
  for (let b = 0; b < model.buckets; b++) {
    table[b * (outputs + 1)] = model.idf[b] as number;
    table.set(model.weights.subarray(b * outputs, (b + 1) * outputs), b * (outputs + 1) + 1);
  }
  return table;
}

function floatTensor(name: string, dims: number[], data: Float32Array): Tensor {
  // ONNX raw_data is little-endian whatever the host is, so write through a DataView rather than alias the buffer.
  const raw = new Uint8Array(data.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i] as number, true);
  return { name, dims, dataType: DataType.FLOAT, rawData: raw };
}

function int64Tensor(name: string, data: number[]): Tensor {
  return { name, dims: [data.length], dataType: DataType.INT64, int64Data: data };
}

function valueInfo(name: string, elemType: number, shape: (string | number)[]): ValueInfo {
  const dim = shape.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}
