/**
 * The scenarios every provider action node goes through (issue 9): transient faults at scale, malformed
 * answers, bad input, and the time a hanging provider may hold an execution. Provider files add their own
 * (authentication faults) and register these with `actionScenarios`.
 */
import type { IDataObject } from 'n8n-workflow';

import { expectedFate, injectTransientMix } from './faults';
import { expectNothingLost, type Ledger } from './ledger';
import {
	configured,
	execute,
	groupByInput,
	hangBoundMs,
	judge,
	unclearMessage,
	type Case,
	type ExpectedStatus,
	type Want,
} from './run';
import type { ActionTarget, MalformedCase } from './targets';

/** Node options of the transient scenario: a short timeout so hangs cost little (1,000 ms is the node's minimum). */
export const TRANSIENT = { ratio: 0.2, timeoutMs: 1000, maxRetries: 3, hangMs: 1500, maxConcurrency: 10 } as const;

/**
 * How much longer than its bound a run may take, measured on the wall clock: harness, process and event-loop
 * delay, which on a loaded 2-core machine reach a second or two. Generous on purpose: the defects these bounds
 * catch cost far more (a drip held 31.9 s against a 1 s Timeout), and the finer promise, no second request
 * chain, is checked by counting requests, which no load can blur.
 */
export const BOUND_SLACK_MS = 3000;

/** The seed of the fault decisions; RELIABILITY_SEED replays another one. */
export const SEED = Number(process.env.RELIABILITY_SEED ?? 9);

// ------------------------------------------------------------------ transient faults

export async function transientFaults(target: ActionTarget): Promise<void> {
	const { ledger, label: node, nodeName } = target;
	target.reset();
	const cases = target.seed(target.transientInputs);
	const log = injectTransientMix(target.sim, {
		route: target.route,
		keyOf: target.requestKey,
		seed: SEED,
		ratio: TRANSIENT.ratio,
		hangMs: TRANSIENT.hangMs,
	});
	const workflow = configured(target.workflow, nodeName, {
		timeout: TRANSIENT.timeoutMs,
		maxRetries: TRANSIENT.maxRetries,
		maxConcurrency: TRANSIENT.maxConcurrency,
	});
	const { result } = await execute(target, workflow, target.newStore(), cases.map((entry) => entry.input), 'transient faults');

	if (result.error) {
		for (const entry of cases) ledger.record(node, 'transient faults', 'lost', `${entry.orderId}: the run failed: ${result.error.message}`);
		return;
	}
	const groups = groupByInput(result, nodeName, cases.length);
	cases.forEach((entry, index) => {
		const fate = expectedFate(log, entry.requestKey, TRANSIENT.maxRetries);
		const judged = judge(groups[index], entry, fate.fate);
		if (fate.problem) ledger.record(node, 'transient faults', 'lost', fate.problem);
		else ledger.record(node, 'transient faults', judged.outcome, judged.problem);
	});
	const itemsOut = result.output(nodeName).length;
	const expectedOut = cases.reduce(
		(sum, entry) => sum + (expectedFate(log, entry.requestKey, TRANSIENT.maxRetries).fate === 'error' ? 1 : entry.expected.length),
		0,
	);
	ledger.check(node, 'transient faults', itemsOut === expectedOut, `items out ${itemsOut}, expected ${expectedOut}`);
	ledger.check(
		node,
		'transient faults',
		target.sim.unmatched.length === 0,
		`${target.sim.unmatched.length} request(s) off the documented routes`,
	);
	const injected = Object.values(log.injected).reduce((sum, count) => sum + count, 0);
	ledger.check(node, 'transient faults', injected > 0 && log.unkeyed === 0, `faults injected ${injected}, unkeyed requests ${log.unkeyed}`);
}

// ------------------------------------------------------------------ malformed responses

/** The run time after which a malformed answer counts as a hang (no retries: a 200 answer is final). */
const MALFORMED_LIMIT_MS = 10_000;

function judgeMalformed(
	target: ActionTarget,
	malformed: MalformedCase,
	orderId: string,
	items: IDataObject[],
	groupProblem: string | undefined,
): { outcome: 'correct' | 'failedCleanly' | 'lost'; problem?: string } {
	const where = `"${malformed.name}"`;
	if (groupProblem) return { outcome: 'lost', problem: `${where}: ${groupProblem}` };
	if (items.length === 0) return { outcome: 'lost', problem: `${where}: no output item` };
	const errorItems = items.filter((json) => 'error' in json);
	if (errorItems.length > 0) {
		if (items.length !== 1) return { outcome: 'lost', problem: `${where}: ${items.length} items` };
		const unclear = unclearMessage((items[0].error as IDataObject | undefined)?.message);
		if (unclear) return { outcome: 'lost', problem: `${where}: ${unclear}` };
		if (items[0].orderId !== orderId) return { outcome: 'lost', problem: `${where}: error item names ${JSON.stringify(items[0].orderId)}` };
		if (malformed.want === 'unknown') {
			return { outcome: 'lost', problem: `${where}: an error instead of unknown with raw "${malformed.raw}"` };
		}
		return { outcome: 'failedCleanly' };
	}
	if (items.length !== 1) return { outcome: 'lost', problem: `${where}: ${items.length} status items for one order` };
	const [json] = items;
	if (json.status === undefined || json.status === null || typeof json.statusLabel !== 'string') {
		return { outcome: 'lost', problem: `${where}: status ${String(json.status)}` };
	}
	switch (malformed.want) {
		case 'error':
			return { outcome: 'lost', problem: `${where}: status ${String(json.status)} from an answer that cannot be read` };
		case 'unknown':
			return json.status === 'unknown' && json.statusRaw === malformed.raw
				? { outcome: 'correct' }
				: {
						outcome: 'lost',
						problem: `${where}: ${JSON.stringify([json.status, json.statusRaw])}, expected unknown with the raw value ${JSON.stringify(malformed.raw)} kept`,
					};
		case 'errorOrUnknown':
			return json.status === 'unknown' && json.statusRaw !== undefined
				? { outcome: 'correct' }
				: { outcome: 'lost', problem: `${where}: status ${String(json.status)} (raw ${JSON.stringify(json.statusRaw)}) from an unreadable status` };
		case 'statusOrError': {
			const expected = malformed.expected as ExpectedStatus;
			return json.status === expected.status && json.statusRaw === expected.statusRaw
				? { outcome: 'correct' }
				: { outcome: 'lost', problem: `${where}: ${JSON.stringify([json.status, json.statusRaw])}, expected ${expected.status}` };
		}
	}
}

export async function malformedResponses(target: ActionTarget): Promise<void> {
	const { ledger, label: node, nodeName } = target;
	target.reset();
	const plan = target.malformed();
	const store = target.newStore();
	const workflow = configured(target.workflow, nodeName, { timeout: 2000, maxRetries: 1 });
	for (const malformed of plan.cases) {
		target.sim.clearFaults();
		target.sim.injectFault({
			route: target.route,
			fault: {
				kind: 'raw',
				status: 200,
				contentType: malformed.contentType ?? 'application/json; charset=utf-8',
				body: malformed.body,
			},
		});
		let outcome: ReturnType<typeof judgeMalformed>;
		try {
			const { result, elapsedMs } = await execute(target, workflow, store, [plan.input], `malformed "${malformed.name}"`);
			if (result.error) {
				outcome = { outcome: 'lost', problem: `"${malformed.name}": the run crashed: ${result.error.message}` };
			} else if (elapsedMs > MALFORMED_LIMIT_MS) {
				outcome = { outcome: 'lost', problem: `"${malformed.name}": took ${elapsedMs} ms (a hang)` };
			} else {
				const [group] = groupByInput(result, nodeName, 1);
				outcome = judgeMalformed(target, malformed, plan.orderId, group.items.map((item) => item.json), group.problems[0]);
			}
		} catch (error) {
			outcome = { outcome: 'lost', problem: `"${malformed.name}": the harness threw ${(error as Error).message}` };
		}
		ledger.record(node, 'malformed responses', outcome.outcome, outcome.problem);
	}
	target.sim.clearFaults();
}

// ------------------------------------------------------------------ bad input

/** Inputs no identifier should be, or that must travel encoded; `undefined` leaves the input field out. */
export const BAD_INPUTS: Array<[string, unknown]> = [
	['empty', ''],
	['whitespace', ' \t  '],
	['10,000 characters', 'A'.repeat(10_000)],
	['257 characters', 'B'.repeat(257)],
	['256 characters (the limit)', 'C'.repeat(256)],
	['300 euro signs', '€'.repeat(300)],
	['../', '../'],
	['../../etc/passwd', '../../etc/passwd'],
	['..', '..'],
	['.', '.'],
	['%2e%2e/', '%2e%2e/'],
	['%2e%2e%2fadmin', '%2e%2e%2fadmin'],
	['encoded slash a%2Fb', 'a%2Fb'],
	['?', '?'],
	['query ORD?x=1', 'ORD?x=1'],
	['query injection ORD&Limit=5000', 'ORD&Limit=5000&Offset=7'],
	['#', '#'],
	['fragment ORD#frag', 'ORD#frag'],
	['/', '/'],
	['slash ORD/1', 'ORD/1'],
	['backslash ORD\\..\\1', 'ORD\\..\\1'],
	['space ORD 1', 'ORD 1'],
	['plus ORD+1', 'ORD+1'],
	['semicolon ORD;1', 'ORD;1'],
	['percent 100%', '100%'],
	['broken escape %zz', 'ORD%zz'],
	['unicode Zásilka-ěščř-Ж', 'Zásilka-ěščř-Ж'],
	['emoji 📦-ORD-🚚', '📦-ORD-🚚'],
	['right-to-left override', 'ORD\u202E1'],
	['zero-width space', 'ORD\u200B1'],
	['NUL byte', 'ORD\u00001'],
	['line break', 'ORD\n1'],
	['carriage return', 'ORD\r\nHost: evil'],
	['tab inside', 'ORD\t1'],
	['DEL', 'ORD\u007F'],
	['C1 control U+0085', 'ORD\u0085'],
	['number 12345', 12345],
	['number 0', 0],
	['negative number', -7],
	['fraction 12.5', 12.5],
	['NaN', NaN],
	['Infinity', Infinity],
	['boolean true', true],
	['null', null],
	['undefined', undefined],
	['list', ['ORD-1']],
	['empty list', []],
	['object', { id: 'ORD-1' }],
	['expression-looking text', '{{ $json.secret }}'],
];

/**
 * Identifiers of orders that do not exist, which contain the names of network errors: n8n rewrites any error
 * message containing such a name into a generic network message, which would tell the user the provider is
 * offline when it only said "no such order".
 */
export const UNKNOWN_ORDERS: Array<[string, string]> = [
	['unknown order ETIMEDOUT', 'ETIMEDOUT'],
	['unknown order ORD-ECONNREFUSED-1', 'ORD-ECONNREFUSED-1'],
	['unknown order enotfound-7', 'enotfound-7'],
];

const CLAIMS_NETWORK_FAILURE = /connection|offline|timed out|could not be resolved|not found on the network|getaddrinfo/i;

/** The identifier a value stands for, when it can be one (text trimmed, finite numbers as text). */
function identifierOf(value: unknown): string | undefined {
	if (typeof value === 'string') return value.trim();
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	return undefined;
}

export async function badInput(target: ActionTarget, extraInputs: Array<[string, unknown]> = []): Promise<void> {
	const { ledger, label: node, nodeName, sim } = target;
	target.reset();
	const store = target.newStore();
	const workflow = configured(target.workflow, nodeName, { maxRetries: 0, timeout: 5000 });
	for (const [name, value] of [...BAD_INPUTS, ...extraInputs]) {
		sim.resetStats();
		const identifier = identifierOf(value);
		const expected = identifier !== undefined && identifier !== '' ? target.addOrderFor(identifier) : undefined;
		const input: IDataObject = value === undefined ? {} : { [target.inputKey]: value as IDataObject[string] };
		const { result } = await execute(target, workflow, store, [input], `bad input "${name}"`);
		const where = `"${name}"`;
		const problems: string[] = [];
		if (result.error) problems.push(`the run crashed: ${result.error.message}`);
		for (const req of sim.unmatched) problems.push(`a request left the route: ${req.method} ${req.rawPath.slice(0, 120)}`);
		const sent = sim.requests.filter((req) => req.route === target.route);
		for (const req of sent) {
			const problem = identifier === undefined ? 'a request for a value that is no identifier' : target.checkRequest(req, identifier);
			if (problem) problems.push(`wrongly encoded request: ${problem}`);
		}
		if (problems.length > 0) {
			ledger.record(node, 'bad input', 'lost', `${where}: ${problems[0]}`);
			continue;
		}
		// Refused before any request: a clear validation error. Sent: the order it names, or a clean error when
		// no such order can exist (e.g. a PPL batch id that is no UUID).
		const want: Want = sent.length === 0 ? 'error' : expected ? 'status' : 'error';
		const [group] = groupByInput(result, nodeName, 1);
		const errorOrderId = (group.items[0]?.json as IDataObject | undefined)?.orderId;
		// An error item names the identifier as given (trimmed, long ones shortened), or null for a non-text value.
		const namesIt =
			identifier === undefined
				? errorOrderId === null
				: typeof errorOrderId === 'string' && errorOrderId.length > 0
					? identifier.startsWith(errorOrderId)
					: identifier === '' && (errorOrderId === '' || errorOrderId === null);
		const judged = judge(
			group,
			{ orderId: namesIt ? (errorOrderId as string | null) : `${identifier ?? String(value)}`, expected: expected ?? [] },
			want,
		);
		ledger.record(node, 'bad input', judged.outcome, judged.problem ? `${where}: ${judged.problem}` : undefined);
	}

	// Orders that do not exist: a clear error that says so, not a network failure that never happened.
	for (const [name, identifier] of UNKNOWN_ORDERS) {
		sim.resetStats();
		const { result } = await execute(target, workflow, store, [{ [target.inputKey]: identifier }], `bad input "${name}"`);
		const [group] = groupByInput(result, nodeName, 1);
		const judged = judge(group, { orderId: identifier, expected: [] }, 'error');
		const message = String(((group.items[0]?.json as IDataObject | undefined)?.error as IDataObject | undefined)?.message ?? '');
		if (judged.outcome === 'failedCleanly' && CLAIMS_NETWORK_FAILURE.test(message)) {
			ledger.record(node, 'bad input', 'lost', `"${name}": the provider said the order does not exist, the error says "${message.slice(0, 120)}"`);
		} else {
			ledger.record(node, 'bad input', judged.outcome, judged.problem ? `"${name}": ${judged.problem}` : undefined);
		}
	}
}

// ------------------------------------------------------------------ timeouts

export async function hangingProvider(target: ActionTarget): Promise<void> {
	const { ledger, label: node, nodeName, sim } = target;

	// One order: the request chain of one item is bounded by timeout × (retries + 1) plus the backoff.
	target.reset();
	const [single] = target.seed(1);
	const oneChain = { timeoutMs: 1000, maxRetries: 2 };
	const singleBound = hangBoundMs(oneChain.timeoutMs, oneChain.maxRetries);
	sim.injectFault({ route: target.route, fault: { kind: 'hang', ms: singleBound + 4000 } });
	const store = target.newStore();
	const first = await execute(
		target,
		configured(target.workflow, nodeName, { timeout: oneChain.timeoutMs, maxRetries: oneChain.maxRetries }),
		store,
		[single.input],
		'hanging provider, one order',
	);
	ledger.check(
		node,
		'timeouts',
		first.elapsedMs <= singleBound + BOUND_SLACK_MS,
		`one order held the execution ${first.elapsedMs} ms, bound ${singleBound} ms (timeout 1000 × 3 + backoff) + ${BOUND_SLACK_MS} ms slack`,
	);
	const singleAttempts = sim.count(target.route);
	ledger.check(
		node,
		'timeouts',
		singleAttempts === oneChain.maxRetries + 1,
		`one order behind a hanging provider was sent ${singleAttempts} times, expected ${oneChain.maxRetries + 1} (Max Retries ${oneChain.maxRetries})`,
	);
	const [group] = groupByInput(first.result, nodeName, 1);
	const judged = judge(group, single, 'error');
	ledger.record(node, 'timeouts', judged.outcome, judged.problem);
	const message = String((group.items[0]?.json.error as IDataObject | undefined)?.message ?? '');
	ledger.check(node, 'timeouts', /timed out/i.test(message), `the error does not say it timed out: "${message.slice(0, 160)}"`);

	// Several orders: docs/reliability.md promises the same bound for the whole execution.
	target.reset();
	const cases: Case[] = target.seed(6);
	const many = { timeoutMs: 1000, maxRetries: 1 };
	const executionBound = hangBoundMs(many.timeoutMs, many.maxRetries);
	sim.injectFault({ route: target.route, fault: { kind: 'hang', ms: 4 * executionBound } });
	const second = await execute(
		target,
		configured(target.workflow, nodeName, { timeout: many.timeoutMs, maxRetries: many.maxRetries, maxConcurrency: 5 }),
		store,
		cases.map((entry) => entry.input),
		'hanging provider, six orders',
	);
	ledger.check(
		node,
		'timeouts',
		second.elapsedMs <= executionBound + BOUND_SLACK_MS,
		`6 orders held the execution ${second.elapsedMs} ms, bound ${executionBound} ms (timeout 1000 × 2 + backoff) + ${BOUND_SLACK_MS} ms slack`,
	);
	// One chain per slot at most: once every attempt timed out and nothing answered, the other orders fail at once.
	const manyAttempts = sim.count(target.route);
	// An order waiting to be retried gives its slot to the next order, so each order beyond the 5 slots may get one
	// attempt in the others' waits before the breaker trips; none gets a chain of its own.
	const chainLimit = Math.min(cases.length, 5) * (many.maxRetries + 1) + Math.max(0, cases.length - 5);
	ledger.check(
		node,
		'timeouts',
		manyAttempts <= chainLimit,
		`6 orders behind a hanging provider made ${manyAttempts} requests, at most ${chainLimit} expected (5 slots × ${many.maxRetries + 1} attempts, plus one attempt for each other order during the retry waits: no second chain)`,
	);
	const groups = groupByInput(second.result, nodeName, cases.length);
	cases.forEach((entry, index) => {
		const outcome = judge(groups[index], entry, 'error');
		ledger.record(node, 'timeouts', outcome.outcome, outcome.problem);
	});
	sim.clearFaults();
}

/** Registers the common scenarios of one action node as jest tests. */
export function actionScenarios(getTarget: () => ActionTarget, ledger: () => Ledger): void {
	const target = () => getTarget();
	test('transient faults: 1,000 orders, 20% of requests failing in a mix', async () => {
		await transientFaults(target());
		expectNothingLost(ledger(), target().label, 'transient faults');
	});
	test('malformed responses: a clear error or unknown with the raw value, never a crash or a hang', async () => {
		await malformedResponses(target());
		expectNothingLost(ledger(), target().label, 'malformed responses');
	});
	test('bad input: a clear validation error or a correctly encoded request on the expected route', async () => {
		await badInput(target(), target().extraBadInputs);
		expectNothingLost(ledger(), target().label, 'bad input');
	});
	test('timeouts: a hanging provider is bounded by timeout × (retries + 1) plus the backoff', async () => {
		await hangingProvider(target());
		expectNothingLost(ledger(), target().label, 'timeouts');
	});
}
