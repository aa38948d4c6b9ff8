#!/usr/bin/env node
// ONNX Runtime (CPU) baseline for tandem-run; a dev tool, never a tandem dependency.
//
//   node tools/bench/ort/ort_bench.js MODEL.onnx [--inputs DIR] [--threads N] [--warmup W]
//        [--iters K] [--expected DIR [--rtol R] [--atol A]] [--seed S]
//
// Needs `npm install` in this folder first (scripts/bench_vs_ort.sh does it). Inputs come
// from DIR/input_<i>.pb (ONNX TensorProto, graph-input order, like tandem-run) or are seeded
// random values. The session is sequential with intraOpNumThreads N and interOpNumThreads 1,
// full graph optimization. Prints one JSON line, the same keys as tandem-run's:
//   {"model","threads","iters","median_ms","min_ms","p90_ms","peak_rss_bytes","cpu_ms"[,"outputs","passed"]}
// cpu_ms is the median CPU time of the process per run (process.cpuUsage(), all threads).
// peak_rss_bytes is VmHWM from /proc/self/status, i.e. it includes node itself (~40-50 MiB).
// With --expected, compares outputs with DIR/output_<i>.pb (|got - want| <= atol + rtol*|want|)
// and exits 1 on a mismatch.
'use strict';

const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function parseArgs(argv) {
  const opts = {model: null, inputs: '', expected: '', threads: 1, warmup: 1, iters: 10,
                rtol: 1e-4, atol: 1e-4, seed: 0};
  for (let i = 0; i < argv.length; ++i) {
    const a = argv[i];
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(a);
    if (!m) {
      if (opts.model !== null) throw new Error(`unexpected argument '${a}'`);
      opts.model = a;
      continue;
    }
    const key = m[1];
    if (!(key in opts) || key === 'model') throw new Error(`unknown flag --${key}`);
    const value = m[2] !== undefined ? m[2] : argv[++i];
    if (value === undefined) throw new Error(`--${key} needs a value`);
    opts[key] = typeof opts[key] === 'number' ? Number(value) : value;
    if (Number.isNaN(opts[key])) throw new Error(`--${key}: '${value}' is not a number`);
  }
  if (!opts.model) throw new Error('give one model');
  return opts;
}

// --- Minimal protobuf reader: enough of onnx.TensorProto for test data files. ---

class Reader {
  constructor(buf) { this.buf = buf; this.pos = 0; }
  done() { return this.pos >= this.buf.length; }
  varint() {  // as BigInt: int64 dims and data need all 64 bits
    let result = 0n, shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new Error('truncated varint');
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new Error('varint too long');
    }
  }
  bytes() {
    const n = Number(this.varint());
    if (this.pos + n > this.buf.length) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  skip(wire) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.pos += 8;
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wire}`);
  }
}

// onnx.TensorProto.DataType -> [ort type, typed array, bytes per element]
const DTYPES = {
  1: ['float32', Float32Array, 4], 2: ['uint8', Uint8Array, 1], 3: ['int8', Int8Array, 1],
  4: ['uint16', Uint16Array, 2], 5: ['int16', Int16Array, 2], 6: ['int32', Int32Array, 4],
  7: ['int64', BigInt64Array, 8], 9: ['bool', Uint8Array, 1], 10: ['float16', Uint16Array, 2],
  11: ['float64', Float64Array, 8], 12: ['uint32', Uint32Array, 4], 13: ['uint64', BigUint64Array, 8],
};
const ORT_TO_ONNX = Object.fromEntries(Object.entries(DTYPES).map(([k, v]) => [v[0], Number(k)]));

function toInt64(v) { return BigInt.asIntN(64, v); }

// Returns {name, type, dims, data} where data is a typed array (ORT's layout for the type).
function parseTensorProto(buf, file) {
  const r = new Reader(buf);
  const t = {name: '', dataType: 0, dims: [], raw: null, floats: [], ints: [], doubles: []};
  while (!r.done()) {
    const key = Number(r.varint());
    const field = key >>> 3, wire = key & 7;
    // Repeated numeric fields may come packed (wire 2) or one per key.
    const repeated = (dst, readOne) => {
      if (wire !== 2) { dst.push(readOne(r)); return; }
      const sub = new Reader(r.bytes());
      while (!sub.done()) dst.push(readOne(sub));
    };
    const f32 = (rd) => { const v = rd.buf.readFloatLE(rd.pos); rd.pos += 4; return v; };
    const f64 = (rd) => { const v = rd.buf.readDoubleLE(rd.pos); rd.pos += 8; return v; };
    switch (field) {
      case 1: repeated(t.dims, (rd) => Number(toInt64(rd.varint()))); break;
      case 2: t.dataType = Number(r.varint()); break;
      case 4: repeated(t.floats, f32); break;
      case 5: repeated(t.ints, (rd) => rd.varint()); break;   // int32-or-smaller types
      case 7: repeated(t.ints, (rd) => rd.varint()); break;   // int64
      case 8: t.name = r.bytes().toString('utf8'); break;
      case 9: t.raw = r.bytes(); break;
      case 10: repeated(t.doubles, f64); break;
      case 11: repeated(t.ints, (rd) => rd.varint()); break;  // uint32 / uint64
      case 13: throw new Error(`${file}: external data is not supported`);
      default: r.skip(wire);
    }
  }
  const info = DTYPES[t.dataType];
  if (!info) throw new Error(`${file}: unsupported data_type ${t.dataType}`);
  const [type, Typed, width] = info;
  const count = t.dims.reduce((a, b) => a * b, 1);
  let data;
  if (t.raw !== null) {
    if (t.raw.length !== count * width) {
      throw new Error(`${file}: raw_data has ${t.raw.length} bytes, dims need ${count * width}`);
    }
    const copy = new Uint8Array(t.raw);  // aligned copy (little-endian host assumed)
    data = new Typed(copy.buffer, 0, count);
  } else {
    data = new Typed(count);
    const src = t.dataType === 1 ? t.floats : t.dataType === 11 ? t.doubles : t.ints;
    if (src.length !== count) throw new Error(`${file}: ${src.length} values, dims need ${count}`);
    for (let i = 0; i < count; ++i) {
      const v = src[i];
      if (Typed === BigInt64Array) data[i] = toInt64(v);
      else if (Typed === BigUint64Array) data[i] = BigInt.asUintN(64, v);
      else if (typeof v === 'bigint') data[i] = Number(BigInt.asIntN(32, v));
      else data[i] = v;
    }
  }
  return {name: t.name, type, dims: t.dims, data};
}

// --- Random inputs (same value ranges as tandem-run's, not the same numbers). ---

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomTensor(meta, rand) {
  if (!meta.isTensor) throw new Error(`input '${meta.name}' is not a tensor`);
  const dims = meta.shape.map((d) => {
    if (typeof d !== 'number' || d < 0) {
      throw new Error(`input '${meta.name}' has no static shape; give --inputs`);
    }
    return d;
  });
  const info = DTYPES[ORT_TO_ONNX[meta.type]];
  if (!info || meta.type === 'float16') throw new Error(`input '${meta.name}': random ${meta.type} unsupported`);
  const count = dims.reduce((a, b) => a * b, 1);
  const data = new info[1](count);
  for (let i = 0; i < count; ++i) {
    if (meta.type === 'float32' || meta.type === 'float64') data[i] = rand() * 2 - 1;
    else if (meta.type === 'bool') data[i] = rand() < 0.5 ? 0 : 1;
    else {
      const v = Math.floor(rand() * 10);
      data[i] = info[1] === BigInt64Array || info[1] === BigUint64Array ? BigInt(v) : v;
    }
  }
  return new ort.Tensor(meta.type, data, dims);
}

function percentile(sorted, p) {  // sorted ascending; nearest rank, as tandem-run
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * (sorted.length - 1) + 0.5))];
}

function peakRssBytes() {
  const m = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

function compare(got, want, rtol, atol) {
  if (got.dims.length !== want.dims.length || got.dims.some((d, i) => d !== want.dims[i])) {
    return {ok: false, maxAbs: Infinity, maxRel: Infinity,
            note: `shape [${got.dims}] vs expected [${want.dims}]`};
  }
  let maxAbs = 0, maxRel = 0, ok = true, note = '';
  for (let i = 0; i < want.data.length; ++i) {
    const a = Number(got.data[i]), b = Number(want.data[i]);
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    const err = Math.abs(a - b);
    const rel = b !== 0 ? err / Math.abs(b) : 0;  // as tandem: zeros only count as absolute
    if (!(err <= maxAbs)) maxAbs = err;
    if (!(rel <= maxRel)) maxRel = rel;
    if (!(err <= atol + rtol * Math.abs(b)) && ok) {
      ok = false;
      note = `first mismatch at ${i}: ${a} vs ${b}`;
    }
  }
  return {ok, maxAbs, maxRel, note};
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const session = await ort.InferenceSession.create(opts.model, {
    executionProviders: ['cpu'],
    intraOpNumThreads: opts.threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
  });

  const feeds = {};
  const rand = mulberry32(opts.seed);
  session.inputNames.forEach((name, i) => {
    if (!opts.inputs) {
      feeds[name] = randomTensor(session.inputMetadata[i], rand);
      return;
    }
    const file = path.join(opts.inputs, `input_${i}.pb`);
    const t = parseTensorProto(fs.readFileSync(file), file);
    if (t.name && t.name !== name) {
      throw new Error(`input_${i}.pb holds '${t.name}' but input ${i} is '${name}'`);
    }
    feeds[name] = new ort.Tensor(t.type, t.data, t.dims);
  });

  let results;
  for (let w = 0; w < opts.warmup; ++w) results = await session.run(feeds);
  const times = [], cpuTimes = [];
  const iters = Math.max(1, opts.iters);
  for (let it = 0; it < iters; ++it) {
    const cpuStart = process.cpuUsage();
    const start = process.hrtime.bigint();
    results = await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
    const cpu = process.cpuUsage(cpuStart);
    cpuTimes.push((cpu.user + cpu.system) / 1e3);
  }
  const sorted = [...times].sort((a, b) => a - b);
  const out = {
    model: opts.model, runtime: 'onnxruntime-node ' + (ort.env.versions.node || ort.env.versions.common),
    threads: opts.threads, iters, median_ms: percentile(sorted, 0.5), min_ms: sorted[0],
    p90_ms: percentile(sorted, 0.9), peak_rss_bytes: peakRssBytes(),
    cpu_ms: percentile([...cpuTimes].sort((a, b) => a - b), 0.5),
  };

  let passed = true;
  if (opts.expected) {
    out.outputs = session.outputNames.map((name, i) => {
      const file = path.join(opts.expected, `output_${i}.pb`);
      const want = parseTensorProto(fs.readFileSync(file), file);
      const r = results[name];
      const cmp = compare({dims: r.dims, data: r.data}, want, opts.rtol, opts.atol);
      passed = passed && cmp.ok;
      process.stderr.write(`output ${name}: max abs error ${cmp.maxAbs.toPrecision(3)}, ` +
          `max rel error ${cmp.maxRel.toPrecision(3)} ${cmp.ok ? 'ok' : 'MISMATCH ' + cmp.note}\n`);
      return {output: name, max_abs_error: cmp.maxAbs, max_rel_error: cmp.maxRel, ok: cmp.ok};
    });
    out.passed = passed;
  }
  process.stdout.write(JSON.stringify(out) + '\n');
  return passed ? 0 : 1;
}

main().then((rc) => process.exit(rc), (e) => {
  process.stderr.write(`ort_bench: ${e.message || e}\n`);
  process.exit(2);
});
