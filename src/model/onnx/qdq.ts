/**
 * Graph surgery for weight-only quantization: a float weight `W` (an initializer or
 * a Constant node) is replaced by its stored form — `W_quantized`, `W_scale`,
 * `W_zero_point` and a DequantizeLinear node, or a float16 tensor and a Cast —
 * whose output keeps the name `W`. Every consumer, including nodes in subgraphs
 * that see `W` from an outer scope, is left untouched.
 *
 * The new nodes go into the graph that owned `W`: an initializer's right before the
 * first node of that graph that uses it (directly or inside one of its subgraphs),
 * a Constant's in place of the Constant node (its tensors become Constant nodes
 * too, so a weight in an If branch stays in that branch). Edits are collected and
 * applied in one pass per graph, so a model with thousands of weights is rebuilt
 * once, not once per weight.
 */
import { graphsWithParents, NameAllocator, usedNames } from './graphs.js';
import { makeAttribute, makeNode } from './build.js';
import { DataType } from './schema.js';
import type { OnnxAttribute, OnnxGraph, OnnxModelProto, OnnxNode, OnnxTensor } from './schema.js';
import { makeTensor } from './tensor.js';
import type { WeightRef } from './weights.js';

/** The stored form of one weight behind a DequantizeLinear node. */
export interface DequantizeParts {
  /** DataType of the stored values and zero points: INT8, UINT8, INT4 or UINT4. */
  qType: number;
  /** The values, row-major in the weight's shape (4-bit types packed two per byte, low nibble first). */
  data: Uint8Array;
  scale: Float32Array;
  /** Zero points as integers of the type's range, one per scale. */
  zeroPoint: Int32Array;
  /** Shape of scale and zero point: [] per tensor, [C] per axis, the weight's rank for blocks. */
  paramDims: number[];
  /** DequantizeLinear `axis` (per axis and blocked); null per tensor. */
  axis: number | null;
  /** DequantizeLinear `block_size` (blocked); null otherwise. */
  blockSize: number | null;
}

const is4Bit = (t: number): boolean => t === DataType.INT4 || t === DataType.UINT4;

/** Bytes of a view of any typed array (no copy). */
export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** Zero points in the storage of `qType` (4-bit ones packed like the values). */
function zeroPointBytes(qType: number, zp: Int32Array): Uint8Array {
  if (!is4Bit(qType)) return qType === DataType.INT8 ? bytesOf(Int8Array.from(zp)) : Uint8Array.from(zp);
  const out = new Uint8Array(Math.ceil(zp.length / 2));
  for (let i = 0; i < zp.length; i++) out[i >> 1] |= (zp[i] & 0x0f) << ((i & 1) * 4);
  return out;
}

function newNode(name: string, opType: string, inputs: string[], outputs: string[], attributes: OnnxAttribute[] = []): OnnxNode {
  return makeNode(opType, inputs, outputs, { name, attributes });
}

interface GraphEdits {
  removedTensors: Set<OnnxTensor>;
  addedTensors: OnnxTensor[];
  removedNodes: Set<OnnxNode>;
  /** New nodes to put right before an existing node. */
  before: Map<OnnxNode, OnnxNode[]>;
}

/** Collects weight replacements and applies them to the model in one pass (see `apply`). */
export class WeightRewriter {
  private readonly names: NameAllocator;
  private readonly parents = new Map<OnnxGraph, { graph: OnnxGraph; node: OnnxNode }>();
  private readonly nodeIndex = new Map<OnnxGraph, Map<OnnxNode, number>>();
  private readonly edits = new Map<OnnxGraph, GraphEdits>();

  constructor(proto: OnnxModelProto) {
    this.names = new NameAllocator(usedNames(proto));
    for (const v of graphsWithParents(proto)) if (v.parent) this.parents.set(v.graph, v.parent);
  }

  /** Replace `w` by DequantizeLinear(parts) (and a Cast back when `w` is not FLOAT). Returns the new tensor names. */
  dequantize(w: WeightRef, dims: number[], parts: DequantizeParts): string[] {
    const base = w.name;
    const q = this.names.take(`${base}_quantized`);
    const s = this.names.take(`${base}_scale`);
    const z = this.names.take(`${base}_zero_point`);
    const tensors = [
      makeTensor(q, parts.qType, dims, parts.data),
      makeTensor(s, DataType.FLOAT, parts.paramDims, bytesOf(parts.scale)),
      makeTensor(z, parts.qType, parts.paramDims, zeroPointBytes(parts.qType, parts.zeroPoint)),
    ];
    const attrs: OnnxAttribute[] = [];
    if (parts.axis !== null) attrs.push(makeAttribute('axis', parts.axis, 'int'));
    if (parts.blockSize !== null) attrs.push(makeAttribute('block_size', parts.blockSize, 'int'));
    const outType = w.tensor.dataType ?? DataType.FLOAT;
    const dqOut = outType === DataType.FLOAT ? base : this.names.take(`${base}_dequantized`);
    const nodes = [newNode(this.names.take(`${base}_DequantizeLinear`), 'DequantizeLinear', [q, s, z], [dqOut], attrs)];
    if (dqOut !== base) nodes.push(this.castNode(dqOut, base, outType));
    this.replace(w, tensors, nodes);
    return [q, s, z];
  }

  /** Replace `w` by a FLOAT16 tensor and a Cast back to its type. Returns the new tensor's name. */
  toHalf(w: WeightRef, dims: number[], half: Uint16Array): string {
    const h = this.names.take(`${w.name}_fp16`);
    const outType = w.tensor.dataType ?? DataType.FLOAT;
    this.replace(w, [makeTensor(h, DataType.FLOAT16, dims, bytesOf(half))], [this.castNode(h, w.name, outType)]);
    return h;
  }

  private castNode(input: string, output: string, to: number): OnnxNode {
    return newNode(this.names.take(`${output}_Cast`), 'Cast', [input], [output], [makeAttribute('to', to, 'int')]);
  }

  private editsOf(graph: OnnxGraph): GraphEdits {
    let e = this.edits.get(graph);
    if (!e) {
      e = { removedTensors: new Set(), addedTensors: [], removedNodes: new Set(), before: new Map() };
      this.edits.set(graph, e);
    }
    return e;
  }

  private insertBefore(e: GraphEdits, anchor: OnnxNode | null, graph: OnnxGraph, nodes: OnnxNode[]): void {
    // No anchor (no consumer in this graph): put the nodes first.
    const at = anchor ?? graph.node[0];
    if (!at) {
      graph.node.push(...nodes);
      return;
    }
    const list = e.before.get(at);
    if (list) list.push(...nodes);
    else e.before.set(at, [...nodes]);
  }

  private replace(w: WeightRef, tensors: OnnxTensor[], nodes: OnnxNode[]): void {
    const e = this.editsOf(w.graph);
    if (w.source === 'constant' && w.constantNode) {
      // Keep the Constant style (and the branch): each new tensor becomes a Constant node.
      const constants = tensors.map((t) =>
        newNode(this.names.take(`${t.name}_Constant`), 'Constant', [], [t.name!], [makeAttribute('value', t)]),
      );
      this.insertBefore(e, w.constantNode, w.graph, [...constants, ...nodes]);
      e.removedNodes.add(w.constantNode);
      return;
    }
    e.removedTensors.add(w.tensor);
    e.addedTensors.push(...tensors);
    this.insertBefore(e, this.firstUse(w), w.graph, nodes);
  }

  /** The earliest node of the owning graph that uses `w`, itself or through a subgraph it holds. */
  private firstUse(w: WeightRef): OnnxNode | null {
    const index = this.indexOf(w.graph);
    let best: OnnxNode | null = null;
    let bestAt = Infinity;
    for (const c of w.consumers) {
      let graph = c.graph;
      let node = c.node;
      while (graph !== w.graph) {
        const p = this.parents.get(graph);
        if (!p) return w.graph.node[0] ?? null; // not below the owner (should not happen): be safe, go first
        graph = p.graph;
        node = p.node;
      }
      const at = index.get(node) ?? Infinity;
      if (at < bestAt) ((bestAt = at), (best = node));
    }
    return best;
  }

  private indexOf(graph: OnnxGraph): Map<OnnxNode, number> {
    let m = this.nodeIndex.get(graph);
    if (!m) {
      m = new Map(graph.node.map((n, i) => [n, i]));
      this.nodeIndex.set(graph, m);
    }
    return m;
  }

  /** Apply every collected edit: initializers swapped, nodes inserted and removed. */
  apply(): void {
    for (const [graph, e] of this.edits) {
      if (e.removedTensors.size > 0 || e.addedTensors.length > 0) {
        graph.initializer = graph.initializer.filter((t) => !e.removedTensors.has(t)).concat(e.addedTensors);
      }
      const nodes: OnnxNode[] = [];
      for (const n of graph.node) {
        const inserted = e.before.get(n);
        if (inserted) nodes.push(...inserted);
        if (!e.removedNodes.has(n)) nodes.push(n);
      }
      graph.node = nodes;
    }
    this.edits.clear();
    this.nodeIndex.clear();
  }
}
