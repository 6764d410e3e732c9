/**
 * Running a node through the harness for a scenario, and judging what came out: one outcome per input item
 * (its statuses, or one error item), pairing and order, clear messages, and a secret scan of everything visible.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import {
	capturedLogs,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type CredentialStore,
	type RunResult,
	type WorkflowJson,
} from '../../harness/runWorkflow';
import type { Ledger, NodeLabel, Outcome } from './ledger';
import { secretForms } from './secretForms';

export interface ExpectedStatus {
	orderId: string;
	status: string;
	statusRaw: string | null;
}

/** One input item and what it must become when its lookup succeeds. */
export interface Case {
	input: IDataObject;
	/** The identifier an error item must name (`orderId`). */
	orderId: string;
	/** The request key the simulator sees for this item (fault decisions). */
	requestKey: string;
	expected: ExpectedStatus[];
}

/** Everything a user or an operator could read after a run: items (all outputs), errors, descriptions, logs. */
export function visibleTextOf(result: RunResult, logs: string[]): string {
	const parts: string[] = [JSON.stringify(result.run.data.resultData.runData)];
	const error = result.error as (Error & { description?: string }) | undefined;
	if (error) parts.push(String(error.message), String(error.description ?? ''), JSON.stringify(error));
	for (const runs of Object.values(result.run.data.resultData.runData)) {
		for (const nodeRun of runs) {
			const nodeError = nodeRun.error as (Error & { description?: string }) | undefined;
			if (nodeError) parts.push(String(nodeError.message), String(nodeError.description ?? ''));
		}
	}
	parts.push(...logs);
	return parts.join('\n');
}

/**
 * The secrets that occur in the text in any form (plain, URL- or form-encoded, JSON-escaped; see secretForms.ts),
 * short ones too (at least 3 characters: shorter values would match ordinary text).
 */
export function leaksIn(text: string, secrets: readonly string[]): string[] {
	return [...new Set(secrets)].filter((secret) => secret.length >= 3 && secretForms(secret).some(({ text: form }) => text.includes(form)));
}

/** A scenario file's view of one node: how to run it and what must never be seen. */
export interface NodeRunner {
	label: NodeLabel;
	nodeName: string;
	ledger: Ledger;
	/** Every secret value (credential fields, issued tokens, Basic values) known after the run. */
	secrets(): string[];
}

export interface Execution {
	result: RunResult;
	elapsedMs: number;
	/** Secrets found in anything visible of this run. */
	leaks: string[];
}

/**
 * Runs the workflow with these input items and scans the run for secrets (counted in the "secrets" row: one
 * case per run, lost when anything leaked).
 */
export async function execute(
	runner: NodeRunner,
	workflow: WorkflowJson,
	store: CredentialStore,
	input: IDataObject[],
	context: string,
): Promise<Execution> {
	const logsFrom = capturedLogs.length;
	const started = Date.now();
	const result = await runWorkflow(workflow, { credentials: store, input });
	const elapsedMs = Date.now() - started;
	const leaks = leaksIn(visibleTextOf(result, capturedLogs.slice(logsFrom)), runner.secrets());
	runner.ledger.record(
		runner.label,
		'secrets',
		leaks.length === 0 ? 'correct' : 'lost',
		`${context}: ${leaks.length} secret value(s) visible (${leaks.map((secret) => `${secret.slice(0, 6)}…`).join(', ')})`,
	);
	return { result, elapsedMs, leaks };
}

export type OnError = 'continueRegularOutput' | 'continueErrorOutput' | 'stopWorkflow';

/** The node with these options and this error setting. */
export function configured(
	workflow: WorkflowJson,
	nodeName: string,
	options: IDataObject,
	onError: OnError = 'continueRegularOutput',
	parameters: IDataObject = {},
): WorkflowJson {
	const withOptions = withParameters(workflow, nodeName, { ...parameters, options });
	return onError === 'stopWorkflow' ? withOptions : withNodeSettings(withOptions, nodeName, { onError });
}

const UNCLEAR = /\bundefined\b|\[object Object\]|Cannot read prop|is not a function|is not iterable|Unexpected token|TypeError|ReferenceError|RangeError/;

/** Why a message is not a clear error a user can act on, or undefined when it is one. */
export function unclearMessage(message: unknown): string | undefined {
	if (typeof message !== 'string' || message.trim() === '') return `an error without a message (${JSON.stringify(message)})`;
	if (UNCLEAR.test(message)) return `an unclear error message: "${message.slice(0, 200)}"`;
	return undefined;
}

/** The output items of one input item, or why they cannot be attributed. */
export interface ItemGroup {
	items: INodeExecutionData[];
	problems: string[];
}

/**
 * Splits the node's main output by `pairedItem`, checking that every item is paired to an existing input item
 * and that the output keeps the input order.
 */
export function groupByInput(result: RunResult, nodeName: string, inputCount: number): ItemGroup[] {
	const groups: ItemGroup[] = Array.from({ length: inputCount }, () => ({ items: [], problems: [] }));
	const stray: string[] = [];
	let last = -1;
	result.output(nodeName).forEach((item, position) => {
		const paired = item.pairedItem as { item?: unknown } | undefined;
		const index = typeof paired?.item === 'number' ? paired.item : undefined;
		if (index === undefined || index < 0 || index >= inputCount || Array.isArray(item.pairedItem)) {
			stray.push(`output item ${position} has pairedItem ${JSON.stringify(item.pairedItem)}`);
			return;
		}
		if (index < last) groups[index].problems.push(`output item ${position} (input ${index}) comes after input ${last}: order not kept`);
		last = Math.max(last, index);
		groups[index].items.push(item);
	});
	if (stray.length > 0) groups.forEach((group) => group.problems.push(...stray.slice(0, 3)));
	return groups;
}

export type Want = 'status' | 'error' | 'either';

/**
 * Judges one input item's output: `correct` when it is exactly its expected statuses, `failedCleanly` when it is
 * exactly one error item with a clear message naming the order, `lost` for anything else (or the wrong one of
 * the two when `want` says which it must be).
 */
export function judge(
	group: ItemGroup,
	testCase: { orderId: string | null; expected: ExpectedStatus[] },
	want: Want,
): { outcome: Outcome; problem?: string } {
	const label = `input ${JSON.stringify(testCase.orderId)?.slice(0, 60)}`;
	if (group.problems.length > 0) return { outcome: 'lost', problem: `${label}: ${group.problems[0]}` };
	const { items } = group;
	if (items.length === 0) return { outcome: 'lost', problem: `${label}: no output item (lost)` };
	const errors = items.filter((item) => 'error' in item.json);
	if (errors.length > 0) {
		if (items.length !== 1) return { outcome: 'lost', problem: `${label}: ${items.length} items for one failed order` };
		const json = items[0].json as { orderId?: unknown; error?: { message?: unknown } };
		const unclear = unclearMessage(json.error?.message);
		if (unclear) return { outcome: 'lost', problem: `${label}: ${unclear}` };
		if (json.orderId !== testCase.orderId) {
			return { outcome: 'lost', problem: `${label}: the error item names ${JSON.stringify(json.orderId)}` };
		}
		if (want === 'status') {
			return { outcome: 'lost', problem: `${label}: failed ("${String(json.error?.message).slice(0, 160)}") but must succeed` };
		}
		return { outcome: 'failedCleanly' };
	}
	if (want === 'error') {
		return { outcome: 'lost', problem: `${label}: succeeded (${items.map((item) => item.json.status).join(', ')}) but must fail` };
	}
	if (items.length !== testCase.expected.length) {
		return { outcome: 'lost', problem: `${label}: ${items.length} status items, expected ${testCase.expected.length}` };
	}
	for (let i = 0; i < items.length; i++) {
		const json = items[i].json;
		const expected = testCase.expected[i];
		if (json.status === undefined || json.status === null) return { outcome: 'lost', problem: `${label}: status is ${String(json.status)}` };
		if (json.orderId !== expected.orderId || json.status !== expected.status || json.statusRaw !== expected.statusRaw) {
			return {
				outcome: 'lost',
				problem: `${label}: got ${JSON.stringify([json.orderId, json.status, json.statusRaw])}, expected ${JSON.stringify([expected.orderId, expected.status, expected.statusRaw])}`,
			};
		}
		if (typeof json.statusLabel !== 'string' || typeof json.isFinal !== 'boolean') {
			return { outcome: 'lost', problem: `${label}: statusLabel or isFinal missing` };
		}
	}
	return { outcome: 'correct' };
}

/** The time a hanging provider may hold one request chain: timeout × (retries + 1) plus the longest backoff. */
export function hangBoundMs(timeoutMs: number, maxRetries: number, baseDelayMs = 500, maxDelayMs = 15_000): number {
	let backoff = 0;
	for (let retry = 1; retry <= maxRetries; retry++) backoff += Math.min(maxDelayMs, baseDelayMs * 2 ** (retry - 1));
	return timeoutMs * (maxRetries + 1) + backoff;
}
