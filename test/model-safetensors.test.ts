import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dequantizeSafetensors,
  fromFloat16,
  inspectSafetensors,
  pruneSafetensors,
  quantizeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  toFloat16,
  toBFloat16,
  fromBFloat16,
  quantize,
  quantizationError,
  writeSafetensors,
  type ModelpressError,
} from '../dist/index.js';
import { rng } from './helpers.js';

const dirs: string[] = [];
const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'mp-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A safetensors file from a header (object or raw JSON text) and data bytes, with an optional length override. */
function rawFile(header: unknown, data: Uint8Array = new Uint8Array(0), length?: bigint): Uint8Array {
  const json = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function save(dir: string, name: string, bytes: Uint8Array): string {
  const p = join(dir, name);
  writeFileSync(p, bytes);
  return p;
}

function badFile(path: string, message?: RegExp): void {
  let caught: unknown;
  try {
    readSafetensors(path);
  } catch (e) {
    caught = e;
  }
  expect(caught, 'should throw').toBeInstanceOf(Error);
  expect((caught as ModelpressError).code).toBe('ERR_MODELPRESS_BAD_FILE');
  expect((caught as Error).message).toContain(path);
  if (message) expect((caught as Error).message).toMatch(message);
}

function randomMatrix(seed: number, rows: number, cols: number, scale = 1): Float32Array {
  const r = rng(seed);
  const x = new Float32Array(rows * cols);
  // Rows of different magnitudes, so per-channel scales differ.
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) x[i * cols + j] = (r() * 2 - 1) * scale * (1 + (i % 7));
  return x;
}

describe('readSafetensors / writeSafetensors', () => {
  it('round-trips every dtype, scalars, empty tensors and metadata, byte for byte', () => {
    const dir = tmp();
    const tensors = [
      { name: 'f64', dtype: 'F64', shape: [2, 2], data: Float64Array.of(1.5, -2, 1e300, 0) },
      { name: 'f32', dtype: 'F32', shape: [3], data: Float32Array.of(1, 2.5, -3) },
      { name: 'f16', dtype: 'F16', shape: [2], data: Uint16Array.of(0x3c00, 0xc000) },
      { name: 'bf16', dtype: 'BF16', shape: [1, 2], data: Uint16Array.of(0x3f80, 0x4000) },
      { name: 'i64', dtype: 'I64', shape: [2], data: BigInt64Array.of(-1n, 1n << 62n) },
      { name: 'u64', dtype: 'U64', shape: [1], data: BigUint64Array.of((1n << 64n) - 1n) },
      { name: 'i32', dtype: 'I32', shape: [2], data: Int32Array.of(-7, 7) },
      { name: 'u32', dtype: 'U32', shape: [1], data: Uint32Array.of(4e9) },
      { name: 'i16', dtype: 'I16', shape: [1], data: Int16Array.of(-300) },
      { name: 'u16', dtype: 'U16', shape: [1], data: Uint16Array.of(65535) },
      { name: 'i8', dtype: 'I8', shape: [3], data: Int8Array.of(-128, 0, 127) },
      { name: 'u8', dtype: 'U8', shape: [1], data: Uint8Array.of(255) },
      { name: 'bool', dtype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) },
      { name: 'e4m3', dtype: 'F8_E4M3', shape: [1], data: Uint8Array.of(0x38) },
      { name: 'e5m2', dtype: 'F8_E5M2', shape: [1], data: Uint8Array.of(0x3c) },
      { name: 'scalar', dtype: 'F32', shape: [], data: Float32Array.of(42) },
      { name: 'empty', dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
    ] as const;
    const a = join(dir, 'a.safetensors');
    writeSafetensors(a, tensors, { metadata: { format: 'pt', note: 'é ✓' } });
    const bytes = readFileSync(a);
    const n = Number(bytes.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = readSafetensorsHeader(a);
    expect(header.tensors.map((t) => t.name)).toEqual(tensors.map((t) => t.name));
    expect(header.dataOffset).toBe(8 + n);
    expect(header.fileSize).toBe(bytes.length);
    const read = readSafetensors(a);
    expect(read.metadata).toEqual({ format: 'pt', note: 'é ✓' });
    for (const t of tensors) {
      const r = read.tensors[t.name];
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(Array.from(r.data as ArrayLike<number | bigint>)).toEqual(Array.from(t.data as ArrayLike<number | bigint>));
    }
    const b = join(dir, 'b.safetensors');
    writeSafetensors(b, read.tensors, { metadata: read.metadata });
    expect(Buffer.compare(readFileSync(b), bytes)).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['a.safetensors', 'b.safetensors']);
  });

  it('reads files of other writers: metadata last, no padding, tensors out of header order', () => {
    const dir = tmp();
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const p = save(dir, 'x.safetensors', rawFile(`{"b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]},"a":{"shape":[2],"data_offsets":[0,8],"dtype":"F32"},"__metadata__":{"k":"v"}}  `, data));
    const r = readSafetensors(p);
    expect(readSafetensorsHeader(p).tensors.map((t) => t.name)).toEqual(['a', 'b']);
    expect(Array.from(r.tensors.a.data as Float32Array)).toEqual([1, 2]);
    expect(Array.from(r.tensors.b.data as Float32Array)).toEqual([3, 4]);
    expect(r.metadata).toEqual({ k: 'v' });
  });

  it('refuses bad arguments to writeSafetensors', () => {
    const dir = tmp();
    const p = join(dir, 'w.safetensors');
    expect(() => writeSafetensors(p, { w: { dtype: 'F32', shape: [3], data: new Float32Array(2) } })).toThrow(/12 bytes for F32 of shape \[3\]/);
    expect(() => writeSafetensors(p, { w: { dtype: 'F99' as never, shape: [1], data: new Float32Array(1) } })).toThrow(/dtype/);
    expect(() => writeSafetensors(p, { w: { dtype: 'F16', shape: [2], data: new Float32Array(1) } })).toThrow(/Uint16Array/);
    expect(() => writeSafetensors(p, { w: { dtype: 'F32', shape: [-1], data: new Float32Array(1) } })).toThrow(/shape/);
    expect(() => writeSafetensors(p, [{ name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }, { name: 'a', dtype: 'U8', shape: [1], data: new Uint8Array(1) }])).toThrow(/twice/);
    expect(() => writeSafetensors(p, {}, { metadata: { a: 1 as never } })).toThrow(/metadata/);
    expect(existsSync(p)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('malformed safetensors files', () => {
  const dir = tmp();
  const f32 = (n: number) => new Uint8Array(4 * n);
  const entry = (shape: unknown, offsets: unknown, dtype: unknown = 'F32') => ({ dtype, shape, data_offsets: offsets });

  it('truncated files at several lengths', () => {
    const good = rawFile({ w: entry([4], [0, 16]) }, f32(4));
    const p0 = save(dir, 'good.safetensors', good);
    expect(readSafetensors(p0).tensors.w.shape).toEqual([4]);
    for (const len of [0, 1, 7]) badFile(save(dir, `t${len}.safetensors`, good.subarray(0, len)), /fewer than the 8/);
    for (const len of [8, 12, good.length - 17]) badFile(save(dir, `t${len}.safetensors`, good.subarray(0, len)), /header length \d+ exceeds the file size/);
    for (const len of [good.length - 16, good.length - 1]) badFile(save(dir, `t${len}.safetensors`, good.subarray(0, len)), /data_offsets end 16 exceeds the data size|needs 16 bytes/);
  });

  it('header length beyond the file, huge, or zero', () => {
    badFile(save(dir, 'beyond.safetensors', rawFile({}, undefined, 1000n)), /header length 1000 exceeds the file size 10/);
    badFile(save(dir, 'huge.safetensors', rawFile({}, undefined, 1n << 60n)), /header length 1152921504606846976 exceeds the file size 10/);
    badFile(save(dir, 'zero.safetensors', rawFile({}, undefined, 0n)), /header length 0/);
    // A header over the 100 MB cap inside a file that is big enough.
    const cap = save(dir, 'cap.safetensors', rawFile({}, undefined, 100_000_001n));
    truncateSync(cap, 8 + 100_000_008); // sparse: cheap to make
    badFile(cap, /exceeds the limit of 100000000 bytes/);
  });

  it('bad JSON, bad UTF-8, not an object', () => {
    badFile(save(dir, 'json.safetensors', rawFile('{"w": {')), /not valid UTF-8 JSON/);
    const bytes = rawFile('{"w":1}');
    bytes[10] = 0xff;
    badFile(save(dir, 'utf8.safetensors', bytes), /not valid UTF-8 JSON/);
    badFile(save(dir, 'array.safetensors', rawFile('[]')), /must be a JSON object, got an array/);
    badFile(save(dir, 'null.safetensors', rawFile('null')), /must be a JSON object/);
  });

  it('bad entries', () => {
    const cases: [string, unknown, Uint8Array, RegExp][] = [
      ['notobj', { w: [1] }, f32(0), /tensor "w" must be an object/],
      ['extra', { w: { ...entry([1], [0, 4]), extra: 1 } }, f32(1), /exactly the keys/],
      ['missing', { w: { dtype: 'F32', shape: [1] } }, f32(1), /exactly the keys/],
      ['dtype', { w: entry([1], [0, 4], 'F128') }, f32(1), /dtype "F128" is not one of F64/],
      ['dtype-case', { w: entry([1], [0, 4], 'f32') }, f32(1), /dtype "f32"/],
      ['negdim', { w: entry([-1], [0, 4]) }, f32(1), /shape\[0\] must be a non-negative integer, got -1/],
      ['fracdim', { w: entry([1.5], [0, 4]) }, f32(1), /shape\[0\]/],
      ['strdim', { w: entry(['1'], [0, 4]) }, f32(1), /shape\[0\]/],
      ['shape-not-array', { w: entry(4, [0, 16]) }, f32(4), /shape must be an array/],
      ['hugedims', { w: entry([2 ** 30, 2 ** 30, 2 ** 30], [0, 4]) }, f32(1), /more than 2\^53 elements/],
      ['bigdims', { w: entry([1 << 20, 1 << 20], [0, 4]) }, f32(1), /more than the 4 bytes of data/],
      ['unsafe-dim', { w: entry([2 ** 60], [0, 4]) }, f32(1), /shape\[0\]/],
      ['offsets-range', { w: entry([1], [4, 8]) }, f32(1), /end 8 exceeds the data size 4/],
      ['offsets-order', { w: entry([0], [4, 0]) }, f32(1), /begin 4 is after end 0/],
      ['offsets-shape', { w: entry([1], [0, 8]) }, f32(2), /span 8 bytes but the dtype and shape need 4/],
      ['offsets-form', { w: entry([1], [0]) }, f32(1), /must be \[begin, end\]/],
      ['offsets-neg', { w: entry([1], [-4, 0]) }, f32(1), /non-negative integers/],
      ['offsets-frac', { w: entry([1], [0.5, 4.5]) }, f32(2), /non-negative integers/],
      ['overlap', { a: entry([2], [0, 8]), b: entry([2], [4, 12]) }, f32(3), /overlaps tensor "a"/],
      ['same-range', { a: entry([2], [0, 8]), b: entry([2], [0, 8]) }, f32(2), /overlaps/],
      ['hole-middle', { a: entry([1], [0, 4]), b: entry([1], [8, 12]) }, f32(3), /bytes 4–8 of the data belong to no tensor/],
      ['hole-start', { a: entry([1], [4, 8]) }, f32(2), /bytes 0–4/],
      ['hole-end', { a: entry([1], [0, 4]) }, f32(2), /bytes 4–8 at the end/],
      ['meta-array', { __metadata__: ['a'] }, f32(0), /__metadata__ must be an object of strings/],
      ['meta-value', { __metadata__: { a: 1 } }, f32(0), /__metadata__\["a"\] must be a string, got 1/],
      ['meta-null', { __metadata__: null }, f32(0), /__metadata__ must be an object/],
    ];
    for (const [name, header, data, message] of cases) badFile(save(dir, `${name}.safetensors`, rawFile(header, data)), message);
  });

  it('survives 200 random corruptions: each reads or throws ERR_MODELPRESS_BAD_FILE', async () => {
    const src = join(dir, 'src.safetensors');
    writeSafetensors(src, {
      a: { dtype: 'F32', shape: [4, 3], data: randomMatrix(1, 4, 3) },
      b: { dtype: 'I64', shape: [2], data: BigInt64Array.of(5n, -5n) },
      c: { dtype: 'F16', shape: [3], data: Uint16Array.of(1, 2, 3) },
    }, { metadata: { k: 'v' } });
    const good = new Uint8Array(readFileSync(src));
    const r = rng(99);
    let threw = 0;
    for (let i = 0; i < 200; i++) {
      const bytes = good.slice(0, r() < 0.2 ? Math.floor(r() * good.length) : good.length);
      const flips = 1 + Math.floor(r() * 4);
      for (let k = 0; k < flips && bytes.length > 0; k++) {
        // Mostly in the length prefix and the header, where the structure is.
        const at = r() < 0.9 ? Math.floor(r() * Math.min(bytes.length, 150)) : Math.floor(r() * bytes.length);
        bytes[at] = r() < 0.5 ? Math.floor(r() * 256) : '{}[]",:0123456789-.e '.charCodeAt(Math.floor(r() * 21));
      }
      const p = save(dir, `fuzz${i}.safetensors`, bytes);
      try {
        const file = readSafetensors(p);
        expect(Object.keys(file.tensors).length).toBeGreaterThanOrEqual(0);
        inspectSafetensors(p);
      } catch (e) {
        threw++;
        expect((e as ModelpressError).code, String(e)).toBe('ERR_MODELPRESS_BAD_FILE');
      }
    }
    expect(threw).toBeGreaterThan(100);
  });
});

/** A small model in PyTorch layout: matmul weights [out, in], a conv, biases, an int tensor. */
function makeModel(dir: string, name = 'model.safetensors'): { path: string; tensors: Record<string, Float32Array> } {
  const path = join(dir, name);
  const tensors = {
    'layers.0.weight': randomMatrix(10, 64, 96),
    'layers.0.bias': randomMatrix(11, 1, 64),
    'conv.weight': randomMatrix(12, 16, 8 * 3 * 3, 0.5),
    'layers.1.weight': randomMatrix(13, 96, 64, 0.1),
    'small.weight': randomMatrix(14, 8, 8),
  };
  writeSafetensors(path, [
    { name: 'layers.0.weight', dtype: 'F32', shape: [64, 96], data: tensors['layers.0.weight'] },
    { name: 'layers.0.bias', dtype: 'F32', shape: [64], data: tensors['layers.0.bias'] },
    { name: 'conv.weight', dtype: 'F32', shape: [16, 8, 3, 3], data: tensors['conv.weight'] },
    { name: 'layers.1.weight', dtype: 'F32', shape: [96, 64], data: tensors['layers.1.weight'] },
    { name: 'small.weight', dtype: 'F32', shape: [8, 8], data: tensors['small.weight'] },
    { name: 'position_ids', dtype: 'I64', shape: [4], data: BigInt64Array.of(0n, 1n, 2n, 3n) },
  ], { metadata: { format: 'pt' } });
  return { path, tensors };
}

describe('quantizeSafetensors', () => {
  it('int8 per channel: layout, metadata, error within scale / 2, report rows and totals', async () => {
    const dir = tmp();
    const { path, tensors } = makeModel(dir);
    const out = join(dir, 'q.safetensors');
    const progress: [number, number, string][] = [];
    const report = await quantizeSafetensors(path, out, { onProgress: (d, t, n) => progress.push([d, t, n]) });
    const q = readSafetensors(out);
    expect(Object.keys(q.tensors)).toEqual([
      'layers.0.weight', 'layers.0.weight.scale', 'layers.0.bias', 'conv.weight', 'conv.weight.scale',
      'layers.1.weight', 'layers.1.weight.scale', 'small.weight', 'position_ids',
    ]);
    expect(q.tensors['layers.0.weight'].dtype).toBe('I8');
    expect(q.tensors['layers.0.weight.scale']).toMatchObject({ dtype: 'F32', shape: [64] });
    expect(q.tensors['conv.weight'].shape).toEqual([16, 8, 3, 3]);
    expect(q.tensors['conv.weight.scale'].shape).toEqual([16]);
    expect(q.metadata.format).toBe('pt');
    const meta = JSON.parse(q.metadata['modelpress.quantization']);
    expect(meta.format_version).toBe(1);
    expect(meta.tensors['layers.0.weight']).toEqual({ dtype: 'int8', original_dtype: 'F32', shape: [64, 96], scheme: 'per_channel', axis: 0, symmetric: true, scale: 'layers.0.weight.scale' });
    const scale = q.tensors['layers.0.weight.scale'].data as Float32Array;
    const w = tensors['layers.0.weight'];
    for (let c = 0; c < 64; c++) {
      let absmax = 0;
      for (let j = 0; j < 96; j++) absmax = Math.max(absmax, Math.abs(w[c * 96 + j]));
      expect(scale[c]).toBeCloseTo(absmax / 127, 6);
    }
    // The stored values are exactly those of quantize() per channel, and the report's figures those of quantizationError().
    for (const [name, shape] of [['layers.0.weight', [64, 96]], ['conv.weight', [16, 8, 3, 3]], ['layers.1.weight', [96, 64]]] as const) {
      const ref = quantize(tensors[name], { axis: 0, shape });
      expect(Array.from(q.tensors[name].data as Int8Array)).toEqual(Array.from(ref.data));
      expect(Array.from(q.tensors[`${name}.scale`].data as Float32Array)).toEqual(Array.from(ref.scale as Float32Array));
    }
    const d = dequantizeSafetensors(out);
    expect(Object.keys(d)).toEqual(['layers.0.weight', 'layers.0.bias', 'conv.weight', 'layers.1.weight', 'small.weight']);
    for (const name of ['layers.0.weight', 'conv.weight']) {
      const ref = quantizationError(tensors[name], d[name].data, { histogram: 64 });
      const row = report.tensors.find((t) => t.name === name)!;
      expect(row.error!.mse).toBe(ref.mse);
      expect(row.error!.maxAbsError).toBe(ref.maxAbsError);
      expect(row.histogram!.original).toEqual({ edges: Array.from(ref.histogram!.original.edges), counts: Array.from(ref.histogram!.original.counts) });
      expect(row.histogram!.error).toEqual({ edges: Array.from(ref.histogram!.error.edges), counts: Array.from(ref.histogram!.error.counts) });
    }
    for (const name of ['layers.0.weight', 'layers.1.weight']) {
      const x = tensors[name];
      const s = q.tensors[`${name}.scale`].data as Float32Array;
      const cols = x.length / s.length;
      for (let i = 0; i < x.length; i++) expect(Math.abs(d[name].data[i] - x[i])).toBeLessThanOrEqual(s[Math.floor(i / cols)] / 2 + 1e-7);
    }
    expect(Array.from(d['layers.0.bias'].data)).toEqual(Array.from(tensors['layers.0.bias']));

    const rows = Object.fromEntries(report.tensors.map((t) => [t.name, t]));
    expect(rows['layers.0.weight']).toMatchObject({ action: 'quantized', dtypeBefore: 'float32', dtypeAfter: 'int8', bytesBefore: 64 * 96 * 4, bytesAfter: 64 * 96 + 64 * 4, scheme: 'int8 symmetric per-channel (axis 0)' });
    expect(rows['layers.0.weight'].error!.maxAbsError).toBeGreaterThan(0);
    expect(rows['layers.0.weight'].error!.sqnrDb).toBeGreaterThan(35);
    expect(rows['layers.0.weight'].histogram!.original.counts).toHaveLength(64);
    expect(rows['layers.0.bias']).toMatchObject({ action: 'kept', reason: 'fewer than 1024 elements' });
    expect(rows['small.weight']).toMatchObject({ action: 'kept', bytesAfter: 256 });
    expect(rows['position_ids']).toMatchObject({ action: 'kept', reason: 'not a float tensor (int64)' });
    expect(report.totals.tensors).toBe(6);
    expect(report.totals.changed).toBe(3);
    expect(report.totals.bytesBefore).toBe(report.tensors.reduce((a, t) => a + t.bytesBefore, 0));
    expect(report.totals.bytesAfter).toBe(report.tensors.reduce((a, t) => a + t.bytesAfter, 0));
    expect(report.totals.fileBytesAfter).toBe(readFileSync(out).length);
    expect(report.totals.minSqnrDb).toBe(Math.min(...report.tensors.filter((t) => t.error).map((t) => t.error!.sqnrDb)));
    expect(progress.map((p) => p[2])).toEqual(['layers.0.weight', 'layers.0.bias', 'conv.weight', 'layers.1.weight', 'small.weight', 'position_ids']);
    expect(progress.at(-1)![0]).toBe(progress.at(-1)![1]);
    const inspected = inspectSafetensors(out);
    expect(inspected.command).toBe('inspect');
    expect(inspected.tensors.map((t) => [t.name, t.scheme ?? null])).toEqual([
      ['layers.0.weight', 'int8 symmetric per-channel (axis 0)'], ['layers.0.bias', null], ['conv.weight', 'int8 symmetric per-channel (axis 0)'],
      ['layers.1.weight', 'int8 symmetric per-channel (axis 0)'], ['small.weight', null], ['position_ids', null],
    ]);
    expect(inspected.tensors[0].bytesAfter).toBe(64 * 96 + 64 * 4);
    expect(inspected.tensors[5].sparsity).toBe(0.25);
  });

  it('per tensor, and uint8 with zero points', async () => {
    const dir = tmp();
    const { path, tensors } = makeModel(dir);
    const per = join(dir, 'pt.safetensors');
    await quantizeSafetensors(path, per, { perChannel: false, include: ['layers.0.weight'] });
    const a = readSafetensors(per);
    expect(a.tensors['layers.0.weight.scale'].shape).toEqual([]);
    const s = (a.tensors['layers.0.weight.scale'].data as Float32Array)[0];
    const x = tensors['layers.0.weight'];
    expect(s).toBeCloseTo(Math.max(...Array.from(x, Math.abs)) / 127, 6);
    const d = dequantizeSafetensors(per)['layers.0.weight'].data;
    for (let i = 0; i < x.length; i++) expect(Math.abs(d[i] - x[i])).toBeLessThanOrEqual(s / 2 + 1e-7);

    const u = join(dir, 'u8.safetensors');
    const report = await quantizeSafetensors(path, u, { dtype: 'uint8' });
    const b = readSafetensors(u);
    const zp = b.tensors['layers.1.weight.zero_point'];
    expect(zp).toMatchObject({ dtype: 'U8', shape: [96] });
    expect(b.tensors['layers.1.weight'].dtype).toBe('U8');
    // Affine: the zero point puts real 0 on an integer; rows are not symmetric so zero points vary.
    expect(new Set(zp.data as Uint8Array).size).toBeGreaterThan(1);
    const row = report.tensors.find((t) => t.name === 'layers.1.weight')!;
    expect(row.bytesAfter).toBe(96 * 64 + 96 * 4 + 96);
    expect(row.scheme).toBe('uint8 affine per-channel (axis 0)');
    const du = dequantizeSafetensors(u)['layers.1.weight'].data;
    const su = b.tensors['layers.1.weight.scale'].data as Float32Array;
    const xu = tensors['layers.1.weight'];
    for (let i = 0; i < xu.length; i++) expect(Math.abs(du[i] - xu[i])).toBeLessThanOrEqual(su[Math.floor(i / 64)] / 2 + 1e-7);
  });

  it('int4 / uint4 blocks along the last axis, with odd rows', async () => {
    const dir = tmp();
    const path = join(dir, 'm.safetensors');
    const x = randomMatrix(5, 40, 75);
    writeSafetensors(path, { w: { dtype: 'F32', shape: [40, 75], data: x } });
    for (const dtype of ['int4', 'uint4'] as const) {
      const out = join(dir, `${dtype}.safetensors`);
      const report = await quantizeSafetensors(path, out, { dtype, blockSize: 16 });
      const q = readSafetensors(out);
      expect(q.tensors.w).toMatchObject({ dtype: 'U8', shape: [40, 38] });
      expect(q.tensors['w.scale']).toMatchObject({ dtype: 'F32', shape: [40, 5] });
      if (dtype === 'uint4') expect(q.tensors['w.zero_point']).toMatchObject({ dtype: 'U8', shape: [40, 3] });
      else expect(q.tensors['w.zero_point']).toBeUndefined();
      expect(report.tensors[0].bytesAfter).toBe(40 * 38 + 40 * 5 * 4 + (dtype === 'uint4' ? 40 * 3 : 0));
      const scales = q.tensors['w.scale'].data as Float32Array;
      const d = dequantizeSafetensors(out).w.data;
      for (let r = 0; r < 40; r++) {
        for (let c = 0; c < 75; c++) {
          const s = scales[r * 5 + Math.floor(c / 16)];
          expect(Math.abs(d[r * 75 + c] - x[r * 75 + c])).toBeLessThanOrEqual(s / 2 + 1e-6);
        }
      }
      // The first row's first values by hand: symmetric int4 q = round(x / s), low nibble first.
      if (dtype === 'int4') {
        const byte = (q.tensors.w.data as Uint8Array)[0];
        const q0 = ((byte & 15) ^ 8) - 8;
        const q1 = ((byte >> 4) ^ 8) - 8;
        expect(q0 * scales[0]).toBeCloseTo(d[0], 6);
        expect(q1 * scales[0]).toBeCloseTo(d[1], 6);
        // Row 1 starts on its own byte.
        const b1 = (q.tensors.w.data as Uint8Array)[38];
        expect((((b1 & 15) ^ 8) - 8) * scales[5]).toBeCloseTo(d[75], 6);
      }
    }
  });

  it('fp16 equals toFloat16, from F32 and BF16; F16 input is kept', async () => {
    const dir = tmp();
    const path = join(dir, 'm.safetensors');
    const x = randomMatrix(6, 32, 48, 3);
    const bf = toBFloat16(x).data;
    writeSafetensors(path, { a: { dtype: 'F32', shape: [32, 48], data: x }, b: { dtype: 'BF16', shape: [32, 48], data: bf }, c: { dtype: 'F16', shape: [32, 48], data: toFloat16(x).data } });
    const out = join(dir, 'h.safetensors');
    const report = await quantizeSafetensors(path, out, { dtype: 'fp16' });
    const q = readSafetensors(out);
    expect(q.tensors.a.dtype).toBe('F16');
    expect(Array.from(q.tensors.a.data as Uint16Array)).toEqual(Array.from(toFloat16(x).data));
    expect(Array.from(q.tensors.b.data as Uint16Array)).toEqual(Array.from(toFloat16(fromBFloat16(bf)).data));
    expect(report.tensors.map((t) => t.action)).toEqual(['fp16', 'fp16', 'kept']);
    expect(report.tensors[2].reason).toBe('already float16');
    expect(report.tensors[0].bytesAfter).toBe(32 * 48 * 2);
    expect(Array.from(dequantizeSafetensors(out).a.data)).toEqual(Array.from(fromFloat16(toFloat16(x).data)));
  });

  it('quantizes F64, BF16 and F16 inputs through float32', async () => {
    const dir = tmp();
    const path = join(dir, 'm.safetensors');
    const x = randomMatrix(21, 32, 40);
    const x16 = fromFloat16(toFloat16(x).data);
    const xb = fromBFloat16(toBFloat16(x).data);
    writeSafetensors(path, {
      d: { dtype: 'F64', shape: [32, 40], data: Float64Array.from(x) },
      h: { dtype: 'F16', shape: [32, 40], data: toFloat16(x).data },
      b: { dtype: 'BF16', shape: [32, 40], data: toBFloat16(x).data },
    });
    const out = join(dir, 'q.safetensors');
    const report = await quantizeSafetensors(path, out);
    expect(report.tensors.map((t) => [t.dtypeBefore, t.dtypeAfter, t.bytesBefore])).toEqual([['float64', 'int8', 32 * 40 * 8], ['float16', 'int8', 32 * 40 * 2], ['bfloat16', 'int8', 32 * 40 * 2]]);
    const q = readSafetensors(out);
    const d = dequantizeSafetensors(out);
    for (const [name, src] of [['d', x], ['h', x16], ['b', xb]] as const) {
      expect(Array.from(q.tensors[name].data as Int8Array)).toEqual(Array.from(quantize(src, { axis: 0, shape: [32, 40] }).data));
      expect(d[name].dtype).toBe(name === 'd' ? 'F64' : name === 'h' ? 'F16' : 'BF16');
    }
  });

  it('include / exclude / minElements / includeVectors select tensors', async () => {
    const dir = tmp();
    const { path } = makeModel(dir);
    const acts = async (options: object) => {
      const r = await quantizeSafetensors(path, join(dir, 'o.safetensors'), options);
      return Object.fromEntries(r.tensors.map((t) => [t.name, t.action === 'kept' ? t.reason : t.action]));
    };
    expect(await acts({ include: ['layers.*'] })).toMatchObject({ 'layers.0.weight': 'quantized', 'layers.1.weight': 'quantized', 'conv.weight': 'not included by name' });
    expect(await acts({ exclude: ['/^conv/'] })).toMatchObject({ 'conv.weight': 'excluded by name', 'layers.0.weight': 'quantized' });
    expect(await acts({ minElements: 10_000 })).toMatchObject({ 'layers.0.weight': 'fewer than 10000 elements' });
    expect(await acts({ minElements: 0 })).toMatchObject({ 'small.weight': 'quantized', 'layers.0.bias': '1-D (biases and norms stay as they are)' });
    const vectors = await acts({ minElements: 0, includeVectors: true });
    expect(vectors['layers.0.bias']).toBe('quantized');
    const q = readSafetensors(join(dir, 'o.safetensors'));
    expect(q.tensors['layers.0.bias.scale'].shape).toEqual([]); // vectors: one scale
  });

  it('a matmul-heavy model gets ≥ 3.5× smaller', async () => {
    const dir = tmp();
    const path = join(dir, 'big.safetensors');
    writeSafetensors(path, [
      { name: 'a', dtype: 'F32', shape: [256, 512], data: randomMatrix(1, 256, 512) },
      { name: 'b', dtype: 'F32', shape: [512, 256], data: randomMatrix(2, 512, 256) },
      { name: 'n', dtype: 'F32', shape: [512], data: new Float32Array(512).fill(1) },
    ]);
    const out = join(dir, 'q.safetensors');
    const report = await quantizeSafetensors(path, out);
    expect(report.totals.fileBytesBefore / report.totals.fileBytesAfter!).toBeGreaterThanOrEqual(3.5);
    expect(report.totals.ratio).toBeGreaterThanOrEqual(3.5);
    expect(report.totals.minCosine).toBeGreaterThan(0.999);
  });

  it('refuses the input as output unless inPlace; leaves nothing behind after a failure', async () => {
    const dir = tmp();
    const { path } = makeModel(dir);
    await expect(quantizeSafetensors(path, path)).rejects.toMatchObject({ code: 'ERR_MODELPRESS_INVALID_VALUE' });
    await expect(quantizeSafetensors(path, join(dir, 'x.safetensors'), { dtype: 'uint16' })).rejects.toThrow(/dtype/);
    await expect(quantizeSafetensors(path, join(dir, 'x.safetensors'), { opTypes: ['MatMul'] })).rejects.toThrow(/no graph/);
    const copy = join(dir, 'copy.safetensors');
    writeFileSync(copy, readFileSync(path));
    const r = await quantizeSafetensors(copy, copy, { inPlace: true });
    expect(r.totals.changed).toBe(3);
    expect(readSafetensorsHeader(copy).metadata['modelpress.quantization']).toBeDefined();
    await expect(quantizeSafetensors(copy, join(dir, 'again.safetensors'))).rejects.toThrow(/not quantized yet/);

    const nanDir = tmp();
    const bad = join(nanDir, 'nan.safetensors');
    const x = randomMatrix(3, 32, 64);
    x[1234] = NaN;
    writeSafetensors(bad, [
      { name: 'ok', dtype: 'F32', shape: [32, 64], data: randomMatrix(4, 32, 64) },
      { name: 'w', dtype: 'F32', shape: [32, 64], data: x },
    ]);
    await expect(quantizeSafetensors(bad, join(nanDir, 'out.safetensors'))).rejects.toThrow(/tensor "w".*index 1234/);
    expect(readdirSync(nanDir)).toEqual(['nan.safetensors']);
  });

  it('dequantizeSafetensors checks that metadata and tensors agree', async () => {
    const dir = tmp();
    const { path } = makeModel(dir);
    const out = join(dir, 'q.safetensors');
    await quantizeSafetensors(path, out);
    const q = readSafetensors(out);
    const meta = JSON.parse(q.metadata['modelpress.quantization']);
    const rewrite = (name: string, tensors: typeof q.tensors, m: unknown) => {
      const p = join(dir, name);
      writeSafetensors(p, tensors, { metadata: { ...q.metadata, 'modelpress.quantization': typeof m === 'string' ? m : JSON.stringify(m) } });
      return p;
    };
    const expectBad = (p: string, re: RegExp) => {
      try {
        dequantizeSafetensors(p);
        expect.unreachable();
      } catch (e) {
        expect((e as ModelpressError).code).toBe('ERR_MODELPRESS_BAD_FILE');
        expect((e as Error).message).toMatch(re);
      }
    };
    expectBad(rewrite('a.safetensors', q.tensors, '{'), /not JSON/);
    expectBad(rewrite('b.safetensors', q.tensors, { ...meta, format_version: 2 }), /format_version/);
    const { ['conv.weight.scale']: _drop, ...noScale } = q.tensors;
    expectBad(rewrite('c.safetensors', noScale, meta), /scale tensor "conv.weight.scale" is missing/);
    const wrongShape = { ...q.tensors, 'conv.weight.scale': { dtype: 'F32' as const, shape: [8], data: new Float32Array(8).fill(1) } };
    expectBad(rewrite('d.safetensors', wrongShape, meta), /must be F32 \[16\], got F32 \[8\]/);
    const badScale = { ...q.tensors, 'conv.weight.scale': { dtype: 'F32' as const, shape: [16], data: new Float32Array(16).fill(-1) } };
    expectBad(rewrite('e.safetensors', badScale, meta), /finite and > 0/);
    const t = meta.tensors['conv.weight'];
    expectBad(rewrite('f.safetensors', q.tensors, { ...meta, tensors: { ...meta.tensors, 'conv.weight': { ...t, dtype: 'uint8' } } }), /must be U8/);
    expectBad(rewrite('g.safetensors', q.tensors, { ...meta, tensors: { ...meta.tensors, 'conv.weight': { ...t, zero_point: 'x' } } }), /zero_point must be absent/);
    expectBad(rewrite('h.safetensors', q.tensors, { ...meta, tensors: { ...meta.tensors, 'conv.weight': { ...t, axis: 1 } } }), /axis must be 0/);
    expectBad(rewrite('i.safetensors', q.tensors, { ...meta, tensors: { ...meta.tensors, nothere: t } }), /quantized tensor "nothere" is missing|parameter twice/);
  });
});

describe('pruneSafetensors', () => {
  it('magnitude, filters, channels and 2:4 give exact sparsity; other tensors unchanged', async () => {
    const dir = tmp();
    const { path, tensors } = makeModel(dir);
    const zeros = (x: ArrayLike<number>) => Array.from(x).filter((v) => v === 0).length / x.length;
    const run = async (options: object) => {
      const out = join(dir, `p${Math.random()}.safetensors`);
      const report = await pruneSafetensors(path, out, options);
      return { report, file: readSafetensors(out), row: (n: string) => report.tensors.find((t) => t.name === n)! };
    };
    const mag = await run({ method: 'magnitude', amount: 0.75 });
    const w0 = mag.file.tensors['layers.0.weight'].data as Float32Array;
    expect(zeros(w0)).toBe(0.75);
    // Kept values are unchanged, and they are the largest ones.
    const x0 = tensors['layers.0.weight'];
    let minKept = Infinity;
    let maxPruned = 0;
    for (let i = 0; i < x0.length; i++) {
      if (w0[i] !== 0) {
        expect(w0[i]).toBe(x0[i]);
        minKept = Math.min(minKept, Math.abs(x0[i]));
      } else maxPruned = Math.max(maxPruned, Math.abs(x0[i]));
    }
    expect(maxPruned).toBeLessThanOrEqual(minKept);
    expect(mag.row('layers.0.weight')).toMatchObject({ action: 'pruned', sparsityBefore: 0, sparsity: 0.75, dtypeAfter: 'float32', scheme: 'magnitude 75 %' });
    expect(Array.from(mag.file.tensors['layers.0.bias'].data as Float32Array)).toEqual(Array.from(tensors['layers.0.bias']));
    expect(Array.from(mag.file.tensors['position_ids'].data as BigInt64Array)).toEqual([0n, 1n, 2n, 3n]);
    expect(mag.file.metadata).toEqual({ format: 'pt' });
    expect(mag.report.totals.changed).toBe(3);

    const filters = await run({ method: 'filters', amount: 0.5 });
    const f = filters.file.tensors['layers.0.weight'].data as Float32Array;
    let zeroRows = 0;
    for (let r = 0; r < 64; r++) {
      const row = f.subarray(r * 96, (r + 1) * 96);
      const z = zeros(row);
      expect(z === 0 || z === 1).toBe(true);
      if (z === 1) zeroRows++;
    }
    expect(zeroRows).toBe(32);
    const conv = filters.file.tensors['conv.weight'].data as Float32Array;
    expect(zeros(conv)).toBe(0.5);

    const channels = await run({ method: 'channels', amount: 0.25, include: ['layers.1.weight'] });
    const c = channels.file.tensors['layers.1.weight'].data as Float32Array;
    let zeroCols = 0;
    for (let j = 0; j < 64; j++) {
      let all = true;
      for (let r = 0; r < 96; r++) if (c[r * 64 + j] !== 0) all = false;
      if (all) zeroCols++;
    }
    expect(zeroCols).toBe(16);
    expect(channels.row('layers.1.weight').sparsity).toBe(0.25);

    const nm = await run({ method: 'nm' });
    const n = nm.file.tensors['layers.0.weight'].data as Float32Array;
    for (let g = 0; g < n.length; g += 4) expect(Array.from(n.subarray(g, g + 4)).filter((v) => v !== 0).length).toBe(2);
    // Conv [16, 8, 3, 3]: groups of 4 along axis 1 (the input channels) at each (kh, kw).
    const cn = nm.file.tensors['conv.weight'].data as Float32Array;
    for (let o = 0; o < 16; o++) {
      for (let g = 0; g < 8; g += 4) {
        for (let k = 0; k < 9; k++) {
          let kept = 0;
          for (let i = g; i < g + 4; i++) if (cn[(o * 8 + i) * 9 + k] !== 0) kept++;
          expect(kept).toBe(2);
        }
      }
    }
    expect(nm.row('conv.weight').scheme).toBe('2:4 along axis 1');
    const one4 = await run({ method: 'nm', n: 1, m: 8, include: ['layers.1.weight'] });
    expect(one4.row('layers.1.weight').sparsity).toBe(7 / 8);
  });

  it('F16 and BF16 weights stay in their dtype with kept values bit for bit', async () => {
    const dir = tmp();
    const x = randomMatrix(8, 32, 64);
    const h = toFloat16(x).data;
    const b = toBFloat16(x).data;
    const path = join(dir, 'h.safetensors');
    writeSafetensors(path, { h: { dtype: 'F16', shape: [32, 64], data: h }, b: { dtype: 'BF16', shape: [32, 64], data: b } });
    const out = join(dir, 'p.safetensors');
    const report = await pruneSafetensors(path, out, { method: 'nm' });
    const p = readSafetensors(out);
    expect(p.tensors.h.dtype).toBe('F16');
    expect(p.tensors.b.dtype).toBe('BF16');
    for (const [name, src] of [['h', h], ['b', b]] as const) {
      const d = p.tensors[name].data as Uint16Array;
      let kept = 0;
      for (let i = 0; i < d.length; i++) {
        if (d[i] !== 0) {
          expect(d[i]).toBe(src[i]);
          kept++;
        }
      }
      expect(kept).toBe(d.length / 2);
    }
    expect(report.tensors.map((t) => [t.dtypeAfter, t.sparsity])).toEqual([['float16', 0.5], ['bfloat16', 0.5]]);
  });

  it('keeps what it cannot prune and validates its options', async () => {
    const dir = tmp();
    const path = join(dir, 'm.safetensors');
    writeSafetensors(path, { w: { dtype: 'F32', shape: [64, 30], data: randomMatrix(1, 64, 30) } });
    const r = await pruneSafetensors(path, join(dir, 'o.safetensors'), { method: 'nm' });
    expect(r.tensors[0]).toMatchObject({ action: 'kept', reason: 'axis 1 has 30 values, not a multiple of m = 4' });
    await expect(pruneSafetensors(path, join(dir, 'o.safetensors'), { amount: 1.5 })).rejects.toThrow(/amount/);
    await expect(pruneSafetensors(path, join(dir, 'o.safetensors'), { method: 'nm', n: 5, m: 4 })).rejects.toThrow(/\bn\b/);
    await expect(pruneSafetensors(path, path)).rejects.toThrow(/different path/);
  });
});
