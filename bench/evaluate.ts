/**
 * What one `n8n execute --rawOutput` run achieved: n8n's own execution time (startedAt → stoppedAt), the nodes'
 * run times, and per order whether the workflow produced the correct normalised status, a wrong one, or none.
 */
import type { OrderTruth } from './world';

type Json = Record<string, unknown>;

export interface NodeRun {
	/** Milliseconds, as n8n recorded it (`executionTime`, summed over the node's runs). */
	ms: number;
	/** Epoch milliseconds when the node's first run started (`startTime`). */
	startTime?: number;
	items: number;
	error?: string;
}

export interface Outcome {
	/** n8n's status of the execution (`success`, `error`, …). */
	status: string;
	/** Seconds between n8n's startedAt and stoppedAt. */
	seconds: number;
	nodes: Record<string, NodeRun>;
	/** The workflow error, if the execution stopped on one. */
	error?: string;
	/** Orders with the status the simulator's truth says. */
	correct: number;
	/** Orders with a status that is not the expected one. */
	wrong: number;
	/** Orders without any status (error items, or the workflow stopped before producing them). */
	failed: number;
	/** Up to five wrong statuses, as "ID raw → got (want expected)". */
	wrongExamples: string[];
	/** Wrong statuses per provider value, e.g. { RELEASED: 91 }. */
	wrongByRaw: Record<string, number>;
}

function nodeRuns(runData: Json): Record<string, NodeRun> {
	const nodes: Record<string, NodeRun> = {};
	for (const [name, value] of Object.entries(runData)) {
		const runs = value as Array<{ startTime?: number; executionTime?: number; data?: { main?: Array<Json[] | null> }; error?: { message?: string } }>;
		const last = runs[runs.length - 1];
		nodes[name] = {
			ms: runs.reduce((sum, run) => sum + (run.executionTime ?? 0), 0),
			...(typeof runs[0]?.startTime === 'number' ? { startTime: runs[0].startTime } : {}),
			items: (last?.data?.main ?? []).reduce((sum, output) => sum + (output?.length ?? 0), 0),
			...(last?.error?.message ? { error: last.error.message } : {}),
		};
	}
	return nodes;
}

/** Reads the execution n8n printed; `resultNode` is the node whose items carry `orderId` and `status`. */
export function evaluate(execution: Json, resultNode: string, truth: Map<string, OrderTruth>): Outcome {
	const data = (execution.data ?? {}) as { resultData?: { runData?: Json; error?: { message?: string; description?: string } } };
	const runData = data.resultData?.runData ?? {};
	const started = Date.parse(String(execution.startedAt));
	const stopped = Date.parse(String(execution.stoppedAt));
	const runs = (runData[resultNode] ?? []) as Array<{ data?: { main?: Array<Json[] | null> } }>;
	const items = (runs[runs.length - 1]?.data?.main ?? []).flatMap((output) => output ?? []);
	const seen = new Map<string, string>();
	for (const item of items) {
		const json = (item.json ?? {}) as Json;
		const id = typeof json.orderId === 'string' ? json.orderId : undefined;
		if (!id || seen.has(id) || json.error !== undefined || typeof json.status !== 'string') continue;
		seen.set(id, json.status);
	}
	let correct = 0;
	let wrong = 0;
	const wrongExamples: string[] = [];
	const wrongByRaw: Record<string, number> = {};
	for (const [id, status] of seen) {
		const want = truth.get(id);
		if (!want) continue;
		if (status === want.expected) correct++;
		else {
			wrong++;
			wrongByRaw[want.raw] = (wrongByRaw[want.raw] ?? 0) + 1;
			if (wrongExamples.length < 5) wrongExamples.push(`${id} ${want.raw} → ${status} (want ${want.expected})`);
		}
	}
	const error = data.resultData?.error;
	return {
		status: String(execution.status ?? (error ? 'error' : 'success')),
		seconds: Number.isFinite(started) && Number.isFinite(stopped) ? (stopped - started) / 1000 : NaN,
		nodes: nodeRuns(runData),
		...(error ? { error: String(error.message ?? 'error') } : {}),
		correct,
		wrong,
		failed: truth.size - correct - wrong,
		wrongExamples,
		wrongByRaw,
	};
}

/**
 * The execution document in n8n's output. With `--rawOutput` a successful run is printed as JSON on stdout; a
 * failed run is logged (level info) as JSON too, before the error. Takes the largest JSON object that parses.
 */
export function findExecution(output: string): Json | undefined {
	// eslint-disable-next-line no-control-regex
	const text = output.replace(/\u001b\[[0-9;]*m/g, '');
	const starts: number[] = [];
	if (text.startsWith('{')) starts.push(0);
	for (let index = text.indexOf('\n{'); index !== -1; index = text.indexOf('\n{', index + 1)) starts.push(index + 1);
	let best: Json | undefined;
	let bestLength = 0;
	for (const start of starts) {
		for (let end = text.lastIndexOf('\n}'); end > start; end = text.lastIndexOf('\n}', end - 1)) {
			if (end + 2 - start <= bestLength) break;
			try {
				const parsed = JSON.parse(text.slice(start, end + 2)) as Json;
				if (parsed && typeof parsed === 'object' && 'data' in parsed) {
					best = parsed;
					bestLength = end + 2 - start;
				}
				break;
			} catch {
				// Not this end: try an earlier one.
			}
		}
	}
	return best;
}
