/**
 * Finding a model's weights and who uses them. A weight is a graph initializer or
 * the `value` tensor of a Constant node (named by the node's output). Names follow
 * the ONNX IR's scoping: a subgraph (If branch, Loop/Scan body, any graph attribute)
 * sees the names of the graphs around it, unless one of its own inputs,
 * initializers or node outputs has the same name, which then hides the outer one.
 */
import type { OnnxGraph, OnnxModelProto, OnnxNode, OnnxTensor } from './messages.js';
import { AttributeType } from './schema.js';
import { nodeSubgraphs } from './walk.js';

export interface Consumer {
  node: OnnxNode;
  inputIndex: number;
  /** The graph that holds `node` (a subgraph when the weight is used from inside one). */
  graph: OnnxGraph;
}

export interface WeightRef {
  name: string;
  tensor: OnnxTensor;
  /** The graph that owns the initializer or the Constant node. */
  graph: OnnxGraph;
  source: 'initializer' | 'constant';
  constantNode?: OnnxNode;
  /** Every node input using it, in its graph or in any nested subgraph that sees the name. */
  consumers: Consumer[];
  /** An initializer also listed in graph.input (a runtime input can override it). */
  isGraphInput: boolean;
  /** Where it lives: 'graph', 'graph/If_0.then_branch', 'function local:f'. */
  location: string;
}

/** The tensor a Constant node holds in its `value` attribute, or null (value_float & co. are not weights). */
export function constantValue(node: OnnxNode): OnnxTensor | null {
  if ((node.opType ?? '') !== 'Constant' || (node.domain ?? '') !== '' || node.output.length === 0 || !node.output[0]) return null;
  const value = (node.attribute ?? []).find((a) => a.name === 'value');
  if (!value || !value.t) return null;
  if (value.type !== undefined && value.type !== AttributeType.TENSOR && value.type !== AttributeType.UNDEFINED) return null;
  return value.t;
}

/** Names visible in a scope: a weight, or null for any other value (which hides an outer weight). */
type Scope = Map<string, WeightRef | null>;

function visitGraph(graph: OnnxGraph, where: string, outer: Scope, out: WeightRef[]): void {
  const scope: Scope = new Map(outer);
  const initializerNames = new Set((graph.initializer ?? []).map((t) => t.name ?? ''));
  for (const input of graph.input ?? []) {
    if (input.name && !initializerNames.has(input.name)) scope.set(input.name, null);
  }
  const inputNames = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  for (const tensor of graph.initializer ?? []) {
    const name = tensor.name ?? '';
    if (!name) continue;
    const ref: WeightRef = { name, tensor, graph, source: 'initializer', consumers: [], isGraphInput: inputNames.has(name), location: where };
    out.push(ref);
    scope.set(name, ref);
  }
  for (const node of graph.node ?? []) {
    const value = constantValue(node);
    node.output.forEach((name, k) => {
      if (!name) return;
      if (k === 0 && value) {
        const ref: WeightRef = { name, tensor: value, graph, source: 'constant', constantNode: node, consumers: [], isGraphInput: false, location: where };
        out.push(ref);
        scope.set(name, ref);
      } else scope.set(name, null);
    });
  }
  (graph.node ?? []).forEach((node, i) => {
    node.input.forEach((name, inputIndex) => {
      const ref = name ? scope.get(name) : undefined;
      if (ref) ref.consumers.push({ node, inputIndex, graph });
    });
    for (const sub of nodeSubgraphs(node, i, where)) visitGraph(sub.graph, sub.where, scope, out);
  });
}

/**
 * Every weight of the model with its consumers: initializers and Constant nodes of the
 * main graph, of every nested subgraph, and of model-local functions (whose bodies see
 * only their own names). Ordered outer graph first, then as the nodes appear.
 */
export function findWeights(proto: OnnxModelProto): WeightRef[] {
  const out: WeightRef[] = [];
  if (proto.graph) visitGraph(proto.graph, 'graph', new Map(), out);
  for (const f of proto.functions ?? []) {
    const body: OnnxGraph = {
      node: f.node ?? [],
      initializer: [],
      sparseInitializer: [],
      input: (f.input ?? []).map((name) => ({ name })),
      output: (f.output ?? []).map((name) => ({ name })),
      valueInfo: [],
    };
    visitGraph(body, `function ${f.domain ?? ''}:${f.name ?? ''}`, new Map(), out);
  }
  return out;
}
