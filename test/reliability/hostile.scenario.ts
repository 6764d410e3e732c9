/**
 * A hostile or broken provider (the issue "credentials follow redirects to any host, the timeout restarts with
 * every byte, no size limit, endless 429s, a pace learned from a 503, an unreadable 200 is final, raw is never
 * redacted"), for every provider action node, against the contract of the fixed request layer:
 *
 * - redirects: never to another origin (the item fails naming the target host:port, nothing reaches it); a
 *   same-origin redirect is followed, at most 5 hops; a token request is never redirected.
 * - deadlines: one attempt lasts at most the Timeout option, headers and body together; a token request 10 s.
 * - answer size: at most 8 MiB decoded; a gzip bomb leaves peak memory flat.
 * - refusal budget: 10 refusals in a row and 30 s without an accepted answer end the run's asking.
 * - pace: learnt from 429s only; a run with 5% 503s stays within 1.5x of the same run with 5% 500s, plus the one
 *   Retry-After wait that a 503 in the run's last second adds whatever the layer does.
 * - unreadable 2xx: retried like a 5xx.
 * - redaction: no secret or token in any form in output, messages or logs, short ones too.
 *
 * Each figure the issue names is noted in the report's "Figures" table beside its bound. Runs that would take
 * minutes on a request layer without these bounds are ended by a guard (lib/hostile.ts `Guard`) once they are
 * far past their bound; the figure then says so.
 *
 * Which node gets what: every scenario runs for every provider action node (Altcraft Market, PPL CPL Get Status
 * and Get Batch Status, Pitney Bowes Fulfillment, Sender) except where a comment at the scenario says why not.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fault, SimRequest } from '../simulators/framework';
import { unitHash } from './lib/faults';
import {
	findSecrets,
	Guard,
	gzipBomb,
	HOSTILE_SECRET,
	hostileTargets,
	keyedFaults,
	maintenancePage,
	mb,
	MemorySampler,
	MiB,
	nameOfSecret,
	OtherOrigin,
	padded,
	run,
	seconds,
	senderSim,
	SHORT_SECRET,
	truncatedAnswer,
	type AttemptLog,
	type HostileTarget,
	type HostileRun,
} from './lib/hostile';
import { TOKEN_REQUEST_BOUND_MS } from './lib/auth';
import { expectNothingLost, Ledger, type ScenarioName } from './lib/ledger';
import { configured, groupByInput, judge, type Case, type OnError, type Want } from './lib/run';
import { BOUND_SLACK_MS, SEED } from './lib/scenarios';
import {
	altcraftTarget,
	pitneyBowesTarget,
	pplBatchTarget,
	pplOrdersTarget,
	pplSimulator,
	senderSimulator,
	SECRETS,
	senderTarget,
} from './lib/targets';
import type { AltcraftSimulator } from '../simulators/altcraft';

const ledger = new Ledger(__filename);
const altcraft = altcraftTarget(ledger);
// PPL's two operations get a simulator each, so that scenarios can run them side by side.
const pplOrders = pplOrdersTarget(ledger, pplSimulator());
const pplBatches = pplBatchTarget(ledger, pplSimulator());
const pitneyBowes = pitneyBowesTarget(ledger);
const sender = senderTarget(ledger, senderSimulator());
const TARGETS = hostileTargets({ altcraft, pplOrders, pplBatches, pitneyBowes, sender });
const other = new OtherOrigin();
/** Secrets found in any hostile run, per node (a figure at the end). */
const foundPerNode = new Map<string, number>();

beforeAll(async () => {
	await Promise.all([...TARGETS.map((h) => h.target.sim.start()), other.start()]);
});
afterAll(async () => {
	await Promise.all([...TARGETS.map((h) => h.target.sim.stop()), other.stop()]);
	ledger.flush();
});

// ------------------------------------------------------------------ helpers

/** A fresh simulator state; the guard is the first fault rule. */
function prepare(h: HostileTarget): Guard {
	h.target.reset();
	other.reset();
	return new Guard(h.target.sim, h.refusal);
}

/** PPL Get Status asks for 50 references per request, in input order: the request key of each case. */
function regroup(h: HostileTarget, cases: Case[]): Case[] {
	if (h.ordersPerRequest > 1) {
		for (let start = 0; start < cases.length; start += h.ordersPerRequest) {
			const group = cases.slice(start, start + h.ordersPerRequest);
			const key = group.map((entry) => entry.orderId).join(',');
			group.forEach((entry) => (entry.requestKey = key));
		}
	}
	return cases;
}

/**
 * `count` cases and a credential store whose token (if any) is already cached, so that the scenario's requests
 * are order lookups only. The warm-up order is seeded with the others (seeding twice would duplicate ids).
 */
async function casesAndWarmStore(h: HostileTarget, count: number, store = h.target.newStore()) {
	const all = h.target.seed(count + 1);
	const warm = all.pop()!;
	const { target } = h;
	await run(target, configured(target.workflow, target.nodeName, {}), store, [warm.input], 'warm-up');
	target.sim.resetStats();
	return { cases: regroup(h, all), store };
}

function noteFindings(h: HostileTarget, scenario: ScenarioName, execution: HostileRun, context: string): void {
	const { label } = h.target;
	foundPerNode.set(label, (foundPerNode.get(label) ?? 0) + execution.findings.length);
	ledger.check(
		label,
		scenario,
		execution.findings.length === 0,
		`${context}: secret visible: ${execution.findings.map((f) => `${f.secret} ${f.form} in ${f.where}`).slice(0, 3).join('; ')}`,
	);
}

/**
 * Judges every case (`want`), and for error items also their message (`checkMessage` returns a problem).
 * Returns how many cases came out as status items.
 */
function judgeCases(
	h: HostileTarget,
	scenario: ScenarioName,
	execution: HostileRun,
	cases: Case[],
	want: Want,
	context: string,
	checkMessage?: (message: string, entry: Case) => string | undefined,
): number {
	const { label, nodeName } = h.target;
	noteFindings(h, scenario, execution, context);
	const { result } = execution;
	if (result.error) {
		ledger.record(label, scenario, 'lost', `${context}: the run failed: ${result.error.message.slice(0, 200)}`);
		return 0;
	}
	const groups = groupByInput(result, nodeName, cases.length);
	let statuses = 0;
	cases.forEach((entry, index) => {
		const judged = judge(groups[index], entry, want);
		const json = groups[index].items[0]?.json as IDataObject | undefined;
		if (json && !('error' in json)) statuses++;
		if (judged.outcome === 'failedCleanly' && checkMessage) {
			const message = String((json?.error as IDataObject | undefined)?.message ?? '');
			const problem = checkMessage(message, entry);
			if (problem) {
				ledger.record(label, scenario, 'lost', `${context}: ${entry.orderId}: ${problem} (message: "${message.slice(0, 200)}")`);
				return;
			}
		}
		ledger.record(label, scenario, judged.outcome, judged.problem ? `${context}: ${judged.problem}` : undefined);
	});
	return statuses;
}

const workflowFor = (h: HostileTarget, options: IDataObject, onError: OnError = 'continueRegularOutput') =>
	configured(h.target.workflow, h.target.nodeName, options, onError);

const queryOf = (req: SimRequest) => (req.query.toString() ? `?${req.query.toString()}` : '');

/** Runs `work` for every target at once (each has its own simulator); failures of one do not stop the others. */
async function inParallel(targets: HostileTarget[], work: (h: HostileTarget) => Promise<void>): Promise<void> {
	const results = await Promise.allSettled(targets.map(work));
	const failed = results.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
	if (failed) throw failed.reason;
}

const expectAll = (scenario: ScenarioName, targets: HostileTarget[] = TARGETS) => {
	const problems: string[] = [];
	for (const h of targets) {
		try {
			expectNothingLost(ledger, h.target.label, scenario);
		} catch (error) {
			problems.push((error as Error).message);
		}
	}
	if (problems.length > 0) throw new Error(problems.join('\n\n'));
};

/** The providers whose credential fetches an OAuth token. PPL's two operations share one credential type. */
const TOKEN_TARGETS = TARGETS.filter((h) => h.tokenRoute !== undefined && h.target !== pplBatches);

// ------------------------------------------------------------------ 1. redirects

const REDIRECTS: ScenarioName = 'hostile: redirects';

/** Another origin's answer must never become a status: the item fails, naming the redirect and the target. */
const namesRedirectTo = (hostPort: string) => (message: string) =>
	/redirect/i.test(message) && message.includes(hostPort) ? undefined : `the error does not say "redirect" and name ${hostPort}`;

async function crossOriginRedirect(h: HostileTarget, status: number, variant = ''): Promise<void> {
	const { target } = h;
	prepare(h);
	const sim = target.sim;
	let store = target.newStore();
	if (variant === 'custom header') {
		// Sender: the key in a header the user names (no redirect logic strips an unknown header).
		senderSim(target).authHeaders = ['x-api-key'];
		store = target.newStore({ authMode: 'header', headerName: 'X-Api-Key' });
	}
	const { cases } = await casesAndWarmStore(h, 2, store);
	other.answer = (req) => ({ status: 200, body: h.forged(req) });
	sim.injectFault({
		route: target.route,
		fault: { kind: 'redirect', status, location: (req) => `${other.url}${req.rawPath}${queryOf(req)}` },
	});
	const context = `${status} to another origin${variant ? ` (${variant})` : ''}`;
	const execution = await run(target, workflowFor(h, { timeout: 2000, maxRetries: 1 }), store, cases.map((c) => c.input), context);
	const taken = judgeCases(h, REDIRECTS, execution, cases, 'error', context, namesRedirectTo(other.hostPort));
	const carried = findSecrets(other.texts(), target.secrets(), nameOfSecret);
	ledger.check(target.label, REDIRECTS, other.requests.length === 0, `${context}: ${other.requests.length} request(s) reached ${other.hostPort}`);
	ledger.check(
		target.label,
		REDIRECTS,
		carried.length === 0,
		`${context}: the other origin received ${carried.map((f) => `${f.secret} (${f.form})`).join(', ')}`,
	);
	ledger.figure(
		target.label,
		REDIRECTS,
		`${context}: requests at the other origin`,
		`${other.requests.length}${carried.length ? `, carrying ${[...new Set(carried.map((f) => f.secret))].join(', ')}` : ''}` +
			(taken ? `; its answer became ${taken} item status(es)` : ''),
		'0',
		other.requests.length === 0 && taken === 0,
	);
}

async function sameOriginRedirect(h: HostileTarget, status: number): Promise<void> {
	const { target } = h;
	prepare(h);
	const sim = target.sim;
	const { cases, store } = await casesAndWarmStore(h, 2);
	// One hop to an alias the simulator also serves (the same path with a trailing slash), same host:port.
	sim.injectFault({
		route: target.route,
		when: (req) => !req.rawPath.endsWith('/'),
		fault: { kind: 'redirect', status, location: (req) => `${sim.url}${req.rawPath}/${queryOf(req)}` },
	});
	const context = `${status} to the same origin (one hop)`;
	const execution = await run(target, workflowFor(h, { timeout: 2000, maxRetries: 0 }), store, cases.map((c) => c.input), context);
	judgeCases(h, REDIRECTS, execution, cases, 'status', context);
	const hops = sim.requests.filter((req) => req.route === target.route && req.rawPath.endsWith('/')).length;
	ledger.figure(target.label, REDIRECTS, `${context}: hops followed`, String(hops), `${Math.ceil(cases.length / h.ordersPerRequest)} (one per request)`);
}

/** A same-origin loop: at most 5 hops are followed (6 requests with Max Retries 0), then a clear error. */
async function sameOriginLoop(h: HostileTarget): Promise<void> {
	const { target } = h;
	prepare(h);
	const sim = target.sim;
	const { cases, store } = await casesAndWarmStore(h, 1);
	const status = h.method === 'POST' ? 307 : 302;
	sim.injectFault({
		route: target.route,
		fault: {
			kind: 'redirect',
			status,
			location: (req) => `${sim.url}${req.rawPath.endsWith('/') ? req.rawPath.slice(0, -1) : `${req.rawPath}/`}${queryOf(req)}`,
		},
	});
	const context = `${status} same-origin loop`;
	const execution = await run(target, workflowFor(h, { timeout: 2000, maxRetries: 0 }), store, cases.map((c) => c.input), context);
	judgeCases(h, REDIRECTS, execution, cases, 'error', context);
	const sent = sim.count(target.route);
	ledger.check(target.label, REDIRECTS, sent <= 6, `${context}: ${sent} requests for one order (at most 1 + 5 hops)`);
	ledger.figure(target.label, REDIRECTS, `${context}: requests for one order`, String(sent), '≤ 6 (1 + 5 hops)', sent <= 6);
}

/** The token request is never redirected: not to another origin, not even to the same one. */
async function tokenRedirect(h: HostileTarget, status: number, where: 'other' | 'same'): Promise<void> {
	const { target } = h;
	prepare(h);
	const sim = target.sim;
	const cases = regroup(h, target.seed(1));
	other.answer = () => ({ status: 200, body: { access_token: 'forged-token-from-the-other-origin', expires_in: 1800, token_type: 'Bearer' } });
	sim.injectFault({
		route: h.tokenRoute!,
		when: (req) => !req.rawPath.endsWith('/'),
		fault: {
			kind: 'redirect',
			status,
			location: (req) => (where === 'other' ? `${other.url}${req.rawPath}` : `${sim.url}${req.rawPath}/`),
		},
	});
	const context = `token request: ${status} to ${where === 'other' ? 'another origin' : 'the same origin'}`;
	const execution = await run(target, workflowFor(h, { timeout: 2000, maxRetries: 1 }), target.newStore(), cases.map((c) => c.input), context);
	judgeCases(h, REDIRECTS, execution, cases, 'error', context, (message) =>
		message.includes(target.credentialName) && /redirect/i.test(message)
			? undefined
			: `the error does not name the "${target.credentialName}" credential and the redirect`,
	);
	if (where === 'other') {
		const carried = findSecrets(other.texts(), target.secrets(), nameOfSecret);
		ledger.check(target.label, REDIRECTS, other.requests.length === 0, `${context}: ${other.requests.length} request(s) reached ${other.hostPort}`);
		ledger.check(target.label, REDIRECTS, carried.length === 0, `${context}: the other origin received ${carried.map((f) => `${f.secret} (${f.form})`).join(', ')}`);
		ledger.figure(
			target.label,
			REDIRECTS,
			`${context}: requests at the other origin`,
			`${other.requests.length}${carried.length ? `, carrying ${[...new Set(carried.map((f) => `${f.secret} (${f.form})`))].join(', ')}` : ''}`,
			'0',
			other.requests.length === 0,
		);
	} else {
		const followed = sim.requests.filter((req) => req.route === h.tokenRoute && req.rawPath.endsWith('/')).length;
		ledger.check(target.label, REDIRECTS, followed === 0, `${context}: the redirect was followed (${followed} token request(s) at the alias)`);
		ledger.figure(target.label, REDIRECTS, `${context}: token requests following it`, String(followed), '0', followed === 0);
	}
}

describe('redirects', () => {
	test('to another origin: the item fails naming the target, nothing reaches it; same origin: followed, at most 5 hops', async () => {
		for (const h of TARGETS) {
			// Altcraft POSTs its token in the body: a 302 turns the POST into a GET without it, a 307/308 re-sends it.
			for (const status of [302, 307, 308]) await crossOriginRedirect(h, status);
			if (h.target === sender) await crossOriginRedirect(h, 307, 'custom header');
			// A 302 would turn Altcraft's POST into a GET, which Altcraft does not serve: 307 only there.
			for (const status of h.method === 'POST' ? [307] : [302, 307]) await sameOriginRedirect(h, status);
			await sameOriginLoop(h);
		}
		expectAll(REDIRECTS);
	});

	// Altcraft and Sender have no token request (a static token or key). PPL's two operations share the credential:
	// its token request is tried through Get Status.
	test('token requests (PPL, Pitney Bowes) are never redirected: a credential error naming the redirect', async () => {
		for (const h of TOKEN_TARGETS) {
			for (const status of [302, 307]) await tokenRedirect(h, status, 'other');
			await tokenRedirect(h, 307, 'same');
		}
		expectAll(REDIRECTS, TOKEN_TARGETS);
	});
});

// ------------------------------------------------------------------ 2. deadlines

const DEADLINES: ScenarioName = 'hostile: deadlines';
/** One byte every 700 ms, as in the issue; 43 bytes hold the old layer about 30 s (then a valid answer follows). */
const DRIP = { intervalMs: 700, bytes: 43 } as const;
const DRIP_OPTIONS = { timeout: 1000, maxRetries: 0 } as const;
const DRIP_MS = DRIP.intervalMs * DRIP.bytes;
/** A held time that reached the drip's end was cut short by the simulator, not by the node. */
const held = (ms: number) => `${seconds(ms)}${ms >= DRIP_MS - 500 ? ' (until the drip ended: a valid answer followed)' : ''}`;

async function drippedAnswer(h: HostileTarget): Promise<void> {
	const { target } = h;
	prepare(h);
	const { cases, store } = await casesAndWarmStore(h, 1);
	target.sim.injectFault({ route: target.route, fault: { kind: 'drip', ...DRIP } });
	const bound = DRIP_OPTIONS.timeout + BOUND_SLACK_MS;
	const context = 'answer dripped 1 byte / 700 ms, Timeout 1,000 ms, Max Retries 0';
	const execution = await run(target, workflowFor(h, DRIP_OPTIONS), store, cases.map((c) => c.input), context);
	judgeCases(h, DEADLINES, execution, cases, 'error', context, (message) =>
		!/timed out/i.test(message)
			? 'the error does not say it timed out'
			: !/answer|response|body|header/i.test(message)
				? 'the error does not say what it waited for (the answer, its headers or body)'
				: undefined,
	);
	ledger.check(target.label, DEADLINES, execution.elapsedMs <= bound, `${context}: held the run ${seconds(execution.elapsedMs)}, bound ${seconds(bound)}`);
	ledger.figure(target.label, DEADLINES, 'dripped answer: seconds held', held(execution.elapsedMs), `${seconds(bound)} (T + slack)`, execution.elapsedMs <= bound);
}

async function drippedToken(h: HostileTarget): Promise<void> {
	const { target } = h;
	prepare(h);
	const cases = regroup(h, target.seed(1));
	// The real token follows the drip: a layer without a deadline ends up with a token, late.
	target.sim.injectFault({ route: h.tokenRoute!, fault: { kind: 'drip', ...DRIP } });
	const bound = TOKEN_REQUEST_BOUND_MS + BOUND_SLACK_MS;
	const context = 'token answer dripped 1 byte / 700 ms';
	const execution = await run(target, workflowFor(h, DRIP_OPTIONS), target.newStore(), cases.map((c) => c.input), context);
	judgeCases(h, DEADLINES, execution, cases, 'error', context, (message) =>
		message.includes(target.credentialName) ? undefined : `the error does not name the "${target.credentialName}" credential`,
	);
	ledger.check(target.label, DEADLINES, execution.elapsedMs <= bound, `${context}: held the run ${seconds(execution.elapsedMs)}, bound ${seconds(bound)}`);
	ledger.figure(target.label, DEADLINES, 'dripped token answer: seconds held', held(execution.elapsedMs), `${seconds(bound)} (10 s + slack)`, execution.elapsedMs <= bound);
}

describe('deadlines', () => {
	test('a dripping answer ends within the Timeout, headers and body together', async () => {
		await inParallel(TARGETS, drippedAnswer);
		expectAll(DEADLINES);
	}, 90_000);

	// Only PPL and Pitney Bowes request tokens (PPL's operations share one credential: tried through Get Status).
	test('a dripping token answer ends the run within the 10 s token deadline', async () => {
		await inParallel(TOKEN_TARGETS, drippedToken);
		expectAll(DEADLINES, TOKEN_TARGETS);
	}, 90_000);
});

// ------------------------------------------------------------------ 3. answer size

const SIZE: ScenarioName = 'hostile: answer size';
const MEMORY_BOUND_BYTES = 150e6;
/** Far past the bound: the bomb's answers are dropped so that the old layer cannot exhaust the machine. */
const MEMORY_GUARD_BYTES = 4 * MEMORY_BOUND_BYTES;
const BOMB_DECODED_BYTES = 200e6;
/** Requests served the bomb: the first one runs alone, then five at once. */
const BOMB_REQUESTS = 6;
let bomb: Buffer | undefined;

const tooLarge = (message: string) => (/larger than 8 MiB/.test(message) ? undefined : 'the error does not say "larger than 8 MiB"');

async function sizedAnswers(h: HostileTarget): Promise<void> {
	const { target } = h;
	const workflow = workflowFor(h, { timeout: 10_000, maxRetries: 0 });

	// Just under the bound: the real status.
	prepare(h);
	let prepared = await casesAndWarmStore(h, 1);
	target.sim.injectFault({ route: target.route, fault: padded(7 * MiB) });
	let execution = await run(target, workflow, prepared.store, prepared.cases.map((c) => c.input), '7 MiB answer');
	judgeCases(h, SIZE, execution, prepared.cases, 'status', '7 MiB answer (under the bound)');

	// Over the bound, uncompressed.
	prepare(h);
	prepared = await casesAndWarmStore(h, 1);
	target.sim.injectFault({ route: target.route, fault: padded(9 * MiB) });
	execution = await run(target, workflow, prepared.store, prepared.cases.map((c) => c.input), '9 MiB answer');
	judgeCases(h, SIZE, execution, prepared.cases, 'error', '9 MiB answer (over the bound)', tooLarge);

	// The gzip bomb, to several requests at once, with memory sampled every 20 ms.
	prepare(h);
	prepared = await casesAndWarmStore(h, BOMB_REQUESTS * h.ordersPerRequest);
	bomb ??= await gzipBomb(BOMB_DECODED_BYTES);
	target.sim.injectFault({
		route: target.route,
		fault: {
			kind: 'stream',
			headers: { 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'gzip' },
			body: bomb,
			// About 1 MB decoded per KB: 100 MB/s per answer, so the sampler sees memory grow.
			chunkBytes: 1024,
			intervalMs: 10,
		},
	});
	let guarded = 0;
	const sampler = new MemorySampler(20, (increase) => {
		if (increase > MEMORY_GUARD_BYTES) guarded += target.sim.abortStreams();
	});
	sampler.start();
	execution = await run(
		target,
		workflowFor(h, { timeout: 10_000, maxRetries: 0, maxConcurrency: 5 }),
		prepared.store,
		prepared.cases.map((c) => c.input),
		'gzip bomb',
	);
	const peak = sampler.stop();
	const context = `gzip bomb (${(bomb.length / 1024).toFixed(0)} KB → ${mb(BOMB_DECODED_BYTES)}) to ${BOMB_REQUESTS} requests`;
	judgeCases(h, SIZE, execution, prepared.cases, 'error', context, tooLarge);
	const flat = peak.rssIncreaseBytes <= MEMORY_BOUND_BYTES && peak.liveIncreaseBytes <= MEMORY_BOUND_BYTES;
	const measured =
		`RSS +${mb(peak.rssIncreaseBytes)}, heap + external +${mb(peak.liveIncreaseBytes)} (heap +${mb(peak.heapIncreaseBytes)})` +
		(guarded ? `; stopped: ${guarded} answer(s) dropped past +${mb(MEMORY_GUARD_BYTES)}` : '');
	ledger.check(target.label, SIZE, flat, `${context}: peak ${measured}, bound +${mb(MEMORY_BOUND_BYTES)} each`);
	ledger.figure(target.label, SIZE, 'gzip bomb: peak memory increase', measured, `+${mb(MEMORY_BOUND_BYTES)} (RSS and heap + external)`, flat);
}

describe('answer size', () => {
	// One provider at a time: the memory figures are this process's.
	test('at most 8 MiB decoded per answer; a gzip bomb to several requests leaves memory flat', async () => {
		for (const h of TARGETS) await sizedAnswers(h);
		expectAll(SIZE);
	}, 240_000);
});

// ------------------------------------------------------------------ 4. refusal budget

const REFUSAL: ScenarioName = 'hostile: refusal budget';
const REFUSAL_OPTIONS = { timeout: 1000, maxRetries: 3 } as const;
/** The contract: 30 s without an accepted answer, plus one retry chain, plus the suite's slack. */
const REFUSAL_BOUND_MS = 30_000 + (REFUSAL_OPTIONS.maxRetries + 1) * (REFUSAL_OPTIONS.timeout + 1000) + BOUND_SLACK_MS;
/** Past this a run is stopped (the old layer grows linearly: minutes for 60 orders). */
const REFUSAL_GUARD_MS = REFUSAL_BOUND_MS + 10_000;

async function refusalStorm(h: HostileTarget, requests: number): Promise<void> {
	const { target } = h;
	const guard = prepare(h);
	const { cases, store } = await casesAndWarmStore(h, requests * h.ordersPerRequest);
	const log = keyedFaults(target.sim, target.route, target.requestKey, () => '429', {
		'429': { kind: 'status', status: 429, headers: { 'retry-after': '1' }, body: { message: 'Too Many Requests' } },
	});
	const orders = cases.length;
	const context = `every answer 429 + Retry-After: 1, ${orders} orders`;
	guard.arm(REFUSAL_GUARD_MS);
	const execution = await run(target, workflowFor(h, REFUSAL_OPTIONS), store, cases.map((c) => c.input), context);
	guard.disarm();
	const sent = [...log.values()].reduce((sum, attempts) => sum + attempts.length, 0);
	const notAsked = cases.filter((entry) => !log.has(entry.requestKey)).length;
	/** Requests a layer without a budget sends: every request's whole retry chain. */
	const needed = requests * (REFUSAL_OPTIONS.maxRetries + 1);
	const elapsed = execution.elapsedMs;
	if (guard.tripped) {
		noteFindings(h, REFUSAL, execution, context);
		ledger.record(target.label, REFUSAL, 'lost', `${context}: still running after ${seconds(REFUSAL_GUARD_MS)} (bound ${seconds(REFUSAL_BOUND_MS)}): stopped by the guard`);
	} else {
		judgeCases(h, REFUSAL, execution, cases, 'error', context, (message, entry) =>
			log.has(entry.requestKey) || /kept rate-limiting/i.test(message)
				? undefined
				: 'an order that was never asked for does not say the provider kept rate-limiting',
		);
		ledger.check(target.label, REFUSAL, elapsed <= REFUSAL_BOUND_MS, `${context}: ${seconds(elapsed)}, bound ${seconds(REFUSAL_BOUND_MS)}`);
	}
	ledger.figure(
		target.label,
		REFUSAL,
		`${orders} orders: run time`,
		`${seconds(elapsed)}${guard.tripped ? ` (stopped by the guard, still running: at its rate, the ${needed} requests would take ≈ ${seconds((elapsed * needed) / Math.max(1, sent))})` : ''}; ${sent} requests, ${notAsked} orders never asked`,
		`${seconds(REFUSAL_BOUND_MS)} (30 s + (R+1)(T+1 s) + slack)`,
		!guard.tripped && elapsed <= REFUSAL_BOUND_MS,
	);
}

describe('refusal budget', () => {
	// Counts are in requests: 10 and 60 orders, and for PPL Get Status (50 references per request) 500 and 3,000,
	// so that every node sees 10 and 60 refused requests' worth. All nodes at once, each on its own simulator.
	test('a provider that answers only 429: the run ends within 30 s + one retry chain, not linearly in the orders', async () => {
		await inParallel(TARGETS, async (h) => {
			await refusalStorm(h, 10);
			await refusalStorm(h, 60);
		});
		expectAll(REFUSAL);
	}, 300_000);
});

// ------------------------------------------------------------------ 5. pace after 503s

/*
 * The bound is 1.5x the 500 run plus ONE Retry-After (1 s). An order waiting to be retried gives its request slot
 * back (RequestSlots), so the other orders go on at full speed and the 503s' waits overlap the work: while the
 * slot was held for the wait, 5 slots with about 16 faults landed near 1.8-2.3x. What no layer that honours
 * Retry-After can avoid is the last wait: a 503 in the final second of a 2-3 s run ends the run a full second
 * later, alone 1.4-1.7x on Pitney Bowes' 2.3 s run (seen 1.76x once in three runs on a loaded machine). A pace
 * learnt from 503s, the defect this guards against, costs about a second per request after it (20x and more).
 */
const PACE: ScenarioName = 'hostile: pace after 503s';
const PACE_ORDERS = 208;
const PACE_OPTIONS = { timeout: 1000, maxRetries: 3 } as const;
const PACE_RATIO = 0.05;
/** The Retry-After of the injected 503s. */
const RETRY_AFTER_MS = 1000;
/** Requests that hang past the timeout first, so that every slot is stalled (the first item runs alone). */
const STALLED = 5;

interface PaceRun {
	elapsedMs: number;
	tripped: boolean;
	/** Answers of the fault's kind the run got (503s or 500s). */
	faults: number;
	/** Requests sent, faults injected (by kind). */
	what: string;
}

async function paceRun(h: HostileTarget, kind: '503' | '500', guardMs: number): Promise<PaceRun> {
	const { target } = h;
	const guard = prepare(h);
	const { cases, store } = await casesAndWarmStore(h, PACE_ORDERS);
	const stalled = new Set(cases.slice(1, 1 + STALLED).map((entry) => entry.requestKey));
	const log: AttemptLog = keyedFaults(
		target.sim,
		target.route,
		target.requestKey,
		(key, attempt) => {
			if (stalled.has(key) && attempt === 0) return 'hang';
			if (stalled.has(key) && attempt === 1) return kind;
			return unitHash(`${SEED}|pace|${key}|${attempt}`) < PACE_RATIO ? kind : null;
		},
		{
			hang: { kind: 'hang', ms: PACE_OPTIONS.timeout + 500 },
			'503': { kind: 'status', status: 503, headers: { 'retry-after': String(RETRY_AFTER_MS / 1000) }, body: { message: 'Service Unavailable' } },
			'500': { kind: 'status', status: 500, body: { message: 'Internal Server Error' } },
		},
	);
	const context = `${PACE_ORDERS} orders, ${STALLED} stalled, ${PACE_RATIO * 100}% ${kind}${kind === '503' ? ' + Retry-After: 1' : ''}`;
	guard.arm(guardMs);
	const execution = await run(target, workflowFor(h, PACE_OPTIONS), store, cases.map((c) => c.input), context);
	guard.disarm();
	const attempts = [...log.values()].flat();
	const count = (name: string | null) => attempts.filter((entry) => entry === name).length;
	const what = `${attempts.length} requests (${count(kind)} × ${kind}, ${count('hang')} hung) for ${log.size} of ${cases.length} orders`;
	if (guard.tripped) {
		noteFindings(h, PACE, execution, context);
		ledger.record(target.label, PACE, 'lost', `${context}: still running after ${seconds(guardMs)}: stopped by the guard`);
		return { elapsedMs: execution.elapsedMs, tripped: true, what, faults: count(kind) };
	}
	// Each order's fate follows from its attempts: the real answer on the last one, or an error after R retries.
	const groups = groupByInput(execution.result, target.nodeName, cases.length);
	noteFindings(h, PACE, execution, context);
	cases.forEach((entry, index) => {
		const attempts = log.get(entry.requestKey) ?? [];
		const fate: Want = attempts.length > 0 && attempts[attempts.length - 1] === null ? 'status' : 'error';
		const judged = judge(groups[index], entry, fate);
		ledger.record(target.label, PACE, judged.outcome, judged.problem ? `${context}: ${judged.problem}` : undefined);
	});
	return { elapsedMs: execution.elapsedMs, tripped: false, what, faults: count(kind) };
}

async function paceAfter503(h: HostileTarget): Promise<void> {
	const { label } = h.target;
	const with500 = await paceRun(h, '500', 60_000);
	// 1.5x is the bound; past 2x + 15 s the run is stopped (the old layer paced at ~1 request a second).
	const with503 = await paceRun(h, '503', 2 * with500.elapsedMs + 15_000);
	const ratio = with503.elapsedMs / Math.max(1, with500.elapsedMs);
	const boundMs = 1.5 * with500.elapsedMs + RETRY_AFTER_MS;
	const holds = !with500.tripped && !with503.tripped && with503.elapsedMs <= boundMs;
	ledger.check(
		label,
		PACE,
		holds,
		`5% 503: ${seconds(with503.elapsedMs)} vs 5% 500: ${seconds(with500.elapsedMs)}, ratio ${ratio.toFixed(2)}; bound 1.5x + one Retry-After = ${seconds(boundMs)}`,
	);
	ledger.figure(label, PACE, 'run time with 5% 500', `${seconds(with500.elapsedMs)}; ${with500.what}`);
	ledger.figure(
		label,
		PACE,
		'run time with 5% 503 + Retry-After: 1',
		`${seconds(with503.elapsedMs)}${with503.tripped ? ' (stopped by the guard, still running)' : ''}; ${with503.what}`,
	);
	ledger.figure(label, PACE, '503 / 500 run time', `${with503.tripped ? '≥ ' : ''}${ratio.toFixed(2)}x`, `≤ ${(boundMs / Math.max(1, with500.elapsedMs)).toFixed(2)}x (1.5x + one 1 s Retry-After)`, holds);
}

/**
 * PPL Get Status does not take part: 208 orders are five grouped requests (50 references each), too few for a
 * pace or a 5% fault mix to mean anything; PPL's pacing is tried through Get Batch Status (one request per batch).
 */
const PACE_TARGETS = TARGETS.filter((h) => h.target !== pplOrders);

describe('pace', () => {
	// One node at a time: the two runs compared must not share the machine with other runs.
	test('a pace is never learnt from 503s: 5% 503 + Retry-After stays within 1.5x of 5% 500 plus one Retry-After', async () => {
		for (const h of PACE_TARGETS) await paceAfter503(h);
		expectAll(PACE, PACE_TARGETS);
	}, 300_000);
});

// ------------------------------------------------------------------ 6. unreadable 2xx

const UNREADABLE: ScenarioName = 'hostile: unreadable 2xx';
const UNREADABLE_OPTIONS = { timeout: 2000, maxRetries: 2 } as const;

async function unreadable(h: HostileTarget, name: string, fault: Fault): Promise<void> {
	const { target } = h;
	const workflow = workflowFor(h, UNREADABLE_OPTIONS);

	// On the first attempt only: a retry gets the real status.
	prepare(h);
	let prepared = await casesAndWarmStore(h, 1);
	target.sim.injectFault({ route: target.route, times: 1, fault });
	let context = `${name} on the first attempt`;
	let execution = await run(target, workflow, prepared.store, prepared.cases.map((c) => c.input), context);
	const recovered = judgeCases(h, UNREADABLE, execution, prepared.cases, 'status', context);
	ledger.figure(target.label, UNREADABLE, `${context}: items recovered`, `${recovered} of ${prepared.cases.length}`, `${prepared.cases.length}`, recovered === prepared.cases.length);

	// On every attempt: a clear error after Max Retries retries.
	prepare(h);
	prepared = await casesAndWarmStore(h, 1);
	target.sim.injectFault({ route: target.route, fault });
	context = `${name} on every attempt`;
	execution = await run(target, workflow, prepared.store, prepared.cases.map((c) => c.input), context);
	judgeCases(h, UNREADABLE, execution, prepared.cases, 'error', context);
	const attempts = target.sim.count(target.route);
	const expected = UNREADABLE_OPTIONS.maxRetries + 1;
	ledger.check(target.label, UNREADABLE, attempts === expected, `${context}: ${attempts} attempt(s), expected ${expected} (Max Retries ${UNREADABLE_OPTIONS.maxRetries})`);
	ledger.figure(target.label, UNREADABLE, `${context}: attempts`, String(attempts), String(expected), attempts === expected);
}

describe('unreadable 2xx', () => {
	test('an HTML page or cut JSON with status 200 is retried like a 5xx', async () => {
		for (const h of TARGETS) {
			await unreadable(h, 'HTML maintenance page with 200', maintenancePage);
			await unreadable(h, 'JSON cut in half with 200', truncatedAnswer);
		}
		expectAll(UNREADABLE);
	}, 120_000);
});

// ------------------------------------------------------------------ 7. redaction

const REDACTION: ScenarioName = 'hostile: redaction';

/** Runs one order with `store` and `fault` on `route`; judges the item and scans for `secrets` in every form. */
async function echoCase(
	h: HostileTarget,
	context: string,
	secret: string,
	route: string,
	fault: Fault,
	want: Want,
	options: { warm?: boolean } = {},
): Promise<void> {
	const { target } = h;
	prepare(h);
	const store = h.storeWithSecret(secret);
	const cases = options.warm ? (await casesAndWarmStore(h, 1, store)).cases : regroup(h, target.seed(1));
	target.sim.injectFault({ route, fault });
	const secrets = [secret, ...h.derivedSecrets(secret)];
	// Include Raw is on by default; set it explicitly: `raw` is what a provider's echo lands in.
	const execution = await run(target, workflowFor(h, { timeout: 2000, maxRetries: 0, includeRaw: true }), store, cases.map((c) => c.input), context, secrets);
	judgeCases(h, REDACTION, execution, cases, want, context);
	const forms = [...new Set(execution.findings.map((f) => `${f.form} in ${f.where.replace(/\[\d+\]/g, '[]')}`))];
	ledger.figure(target.label, REDACTION, `${context}: secrets found`, `${execution.findings.length}${forms.length ? ` (${forms.slice(0, 3).join('; ')})` : ''}`, '0', execution.findings.length === 0);
}

/** PPL's token endpoint answers an error that echoes the posted form (the client secret URL-encoded in it). */
const pplFormEcho: Fault = {
	kind: 'respond',
	respond: (req) => ({
		status: 400,
		headers: { 'content-type': 'application/json' },
		body: { error: 'invalid_request', error_description: `Could not parse the request: ${req.bodyText}` },
	}),
};

/** Pitney Bowes' token endpoint refuses and echoes the Authorization header and the key:secret it decoded. */
const pbBasicEcho: Fault = {
	kind: 'respond',
	respond: (req) => {
		const header = String(req.headers.authorization ?? '');
		const decoded = Buffer.from(header.replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
		return {
			status: 401,
			headers: { 'content-type': 'application/json' },
			body: { errors: [{ errorCode: 'PB-APIM-ERR-1001', errorDescription: `Invalid client credentials ${decoded} (${header})` }] },
		};
	},
};

/** Pitney Bowes' token endpoint refuses and quotes the credentials it decoded as JSON text (the secret JSON-escaped). */
const pbJsonEcho: Fault = {
	kind: 'respond',
	respond: (req) => {
		const decoded = Buffer.from(String(req.headers.authorization ?? '').replace(/^Basic\s+/i, ''), 'base64').toString('utf8');
		const colon = decoded.indexOf(':');
		const quoted = JSON.stringify({ apiKey: decoded.slice(0, colon), apiSecret: decoded.slice(colon + 1) });
		return {
			status: 401,
			headers: { 'content-type': 'application/json' },
			body: { errors: [{ errorCode: 'PB-APIM-ERR-1001', errorDescription: `Invalid client credentials ${quoted}` }] },
		};
	},
};

describe('redaction', () => {
	test('no secret or token, in any encoding and however short, in output, raw, messages or logs', async () => {
		for (const h of TARGETS) {
			const { target } = h;
			if (target === altcraft) {
				// Altcraft echoes the request (token included) into its answer, which the node keeps as `raw`.
				(target.sim as AltcraftSimulator).validTokens.add(HOSTILE_SECRET);
				await echoCase(h, 'answer echoing the request body (raw.request.token)', HOSTILE_SECRET, target.route, {
					kind: 'transform',
					transform: (response, req) => ({ ...response, body: { ...(response.body as IDataObject), request: req.body } }),
				}, 'status');
				await echoCase(h, `short token (${SHORT_SECRET.length} characters) echoed in an error`, SHORT_SECRET, target.route, {
					kind: 'raw',
					status: 200,
					contentType: 'application/json',
					body: JSON.stringify({ error: 403, error_text: `No access: invalid token ${SHORT_SECRET}` }),
				}, 'error');
			} else if (h.tokenRoute && target !== pitneyBowes) {
				// PPL (both operations): the token error echoes the posted form, with the secret URL-encoded.
				await echoCase(h, 'token error echoing the posted form (URL-encoded client secret)', HOSTILE_SECRET, h.tokenRoute, pplFormEcho, 'error');
				await echoCase(h, `short client secret (${SHORT_SECRET.length} characters) echoed form-encoded`, SHORT_SECRET, h.tokenRoute, pplFormEcho, 'error');
			} else if (target === pitneyBowes) {
				await echoCase(h, 'token error echoing the Basic header and key:secret', HOSTILE_SECRET, h.tokenRoute!, pbBasicEcho, 'error');
				await echoCase(h, 'token error quoting key and secret as JSON text (JSON-escaped secret)', HOSTILE_SECRET, h.tokenRoute!, pbJsonEcho, 'error');
				await echoCase(h, `short API secret (${SHORT_SECRET.length} characters) echoed`, SHORT_SECRET, h.tokenRoute!, pbBasicEcho, 'error');
				// The current token, echoed by an API error (the standard secret: the simulator must issue a token).
				await echoCase(h, 'API error echoing the current Bearer token', SECRETS.pbApiSecret, target.route, {
					kind: 'respond',
					respond: (req) => ({
						status: 400,
						headers: { 'content-type': 'application/json' },
						body: { errors: [{ errorCode: 'PB-400', errorDescription: `Bad request with ${String(req.headers.authorization)}` }] },
					}),
				}, 'error', { warm: true });
			} else {
				// Sender: an error that echoes the key URL-encoded (as in a logged URL), and a short key echoed.
				await echoCase(h, 'error echoing the key URL-encoded', HOSTILE_SECRET, target.route, {
					kind: 'respond',
					respond: (req) => ({
						status: 401,
						headers: { 'content-type': 'application/json' },
						body: { message: `Invalid API key for ${req.rawPath}?api_key=${encodeURIComponent(String(req.headers.authorization ?? '').replace(/^Bearer\s+/i, ''))}` },
					}),
				}, 'error');
				await echoCase(h, `short key (${SHORT_SECRET.length} characters) echoed in an error`, SHORT_SECRET, target.route, {
					kind: 'respond',
					respond: () => ({ status: 401, headers: { 'content-type': 'application/json' }, body: { message: `Unauthenticated: the key ${SHORT_SECRET} is not valid` } }),
				}, 'error');
			}
		}
		expectAll(REDACTION);
	});

	// The totals of every run above (each run's own findings are counted in its scenario's row).
	test('secrets: nothing secret was visible in any hostile run', () => {
		const leaking: string[] = [];
		for (const h of TARGETS) {
			const found = foundPerNode.get(h.target.label) ?? 0;
			ledger.figure(h.target.label, REDACTION, 'secrets found in all hostile runs (every form)', String(found), '0', found === 0);
			if (found > 0) leaking.push(`${h.target.label}: ${found} secret value(s) visible in hostile runs`);
		}
		expectAll('secrets');
		if (leaking.length > 0) throw new Error(leaking.join('\n'));
	});
});
