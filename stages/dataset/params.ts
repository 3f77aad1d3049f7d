/**
 * The dataset stage's params, kept in a module with no heavy imports so the
 * graph builder (main thread, every command) can compute them cheaply.
 */
import { hashJson, type JsonValue } from '../../src/core/json.js';
import type { DatasetSpec, RealDatasetSpec } from '../../src/config/types.js';
import type { ChecksumTable } from '../../src/data/types.js';

export const isReal = (spec: DatasetSpec): spec is RealDatasetSpec => typeof (spec as RealDatasetSpec).source === 'string';

/**
 * The dataset stage's params, given the checksum table (sync, so the graph
 * builder can call it): a real dataset's spec plus one digest over the
 * expected checksums of every file it may read.
 */
export function datasetParamsWith(table: ChecksumTable, spec: DatasetSpec): JsonValue {
  if (!isReal(spec)) return spec as unknown as JsonValue;
  return { ...(spec as unknown as Record<string, JsonValue>), filesDigest: filesDigest(table, spec.source) };
}

const digestMemo = new WeakMap<ChecksumTable, Map<string, string>>();

/** One digest over the expected checksums of every file a source may read (FSDD alone lists 3,000). */
function filesDigest(table: ChecksumTable, source: RealDatasetSpec['source']): string {
  let memo = digestMemo.get(table);
  if (!memo) digestMemo.set(table, (memo = new Map()));
  const known = memo.get(source);
  if (known !== undefined) return known;
  const prefix = { mnist: 'mnist/', 'fashion-mnist': 'fashion-mnist/', cifar10: 'cifar10/', svhn: 'svhn/', fsdd: 'fsdd/', 'ag-news': 'ag_news/test.csv' }[source];
  const digests: Record<string, string> = {};
  for (const [path, e] of Object.entries(table.files))
    if (path.startsWith(prefix)) digests[path] = e.sha256 ?? e.alt?.map((a) => a.sha256 ?? a.md5).join('|') ?? '';
  const digest = hashJson(digests);
  memo.set(source, digest);
  return digest;
}
