/**
 * Sender Trigger scenarios (issue 9, and item 1 of "Triggers and identifiers under attack"): forged callbacks
 * (no secret, wrong secret, a status the API does not confirm, hostile references), enumerating, replayed and
 * flooding callbacks never emit a false or repeated status, never tell which references exist, and never make
 * Sender calls beyond the bound; a hanging API cannot hold the callback.
 *
 * Everything counted in the table runs the node at version 2 (what a new Sender Trigger is). The four attack
 * scenarios are also run against version 1, kept unchanged for saved workflows: each must catch version 1's
 * behaviour (the checks fail there), and both versions' figures are printed after the table's test run.
 */
import type { IDataObject } from 'n8n-workflow';

import { DEFAULT_MAX_VERIFICATIONS_PER_MINUTE, forgetProcessMemory } from '../../nodes/Sender/callbackGuard';
import { capturedLogs, fixture, withParameters, type WorkflowJson } from '../harness/runWorkflow';
import { runWebhook, serveWebhook, type WebhookRequest, type WebhookRunResult } from '../harness/runWebhook';
import { SENDER_ROUTES } from '../simulators/sender';
import { expectNothingLost, Ledger, type Outcome, type ScenarioName } from './lib/ledger';
import { hangBoundMs, leaksIn } from './lib/run';
import { BOUND_SLACK_MS } from './lib/scenarios';
import { SECRETS, senderSimulator, senderStore } from './lib/targets';

const NODE = 'Sender Trigger';
const LABEL = 'Sender Trigger' as const;
const CALLBACKS: ScenarioName = 'callbacks: forged or replayed';
const SECRET = SECRETS.senderCallbackSecret;
const GET_ORDER = SENDER_ROUTES.getOrder;
/** Version 2's one answer to every authenticated, readable callback. */
const RECEIVED = JSON.stringify({ received: true });
/** What Sender's own statuses mean (status-model.md §3), written here independently of the node. */
const MEANS: Record<string, string> = {
	accepted: 'accepted',
	canceled: 'cancelled',
	cancelled: 'cancelled',
	failed: 'rejected',
	pending: 'pending',
	in_transit: 'shipped',
	delivered: 'delivered',
};

const ledger = new Ledger(__filename);
const sim = senderSimulator();
let store: ReturnType<typeof senderStore>;

const TRIGGER_OPTIONS = { timeout: 1000, maxRetries: 1 };
type Version = 1 | 2;
/** The trigger at `version` with these parameters (the fixture has no secret, as a new version 1 node). */
function trigger(version: Version, parameters: IDataObject = {}): WorkflowJson {
	const workflow = withParameters(fixture('sender-trigger.workflow.json'), NODE, { options: TRIGGER_OPTIONS, ...parameters });
	workflow.nodes.find((node) => node.name === NODE)!.typeVersion = version;
	return workflow;
}
const secured = (parameters: IDataObject = {}, version: Version = 2): WorkflowJson =>
	trigger(version, { sharedSecret: SECRET, ...parameters });

beforeAll(async () => {
	await sim.start(0);
	store = senderStore(sim);
});
afterAll(async () => {
	await sim.stop();
	ledger.flush();
});
beforeEach(() => {
	sim.clearOrders();
	sim.clearFaults();
	sim.resetStats();
	// Each scenario starts as a fresh n8n process would: no remembered callbacks, a full verification allowance.
	forgetProcessMemory();
});

interface Delivery {
	result?: WebhookRunResult;
	crash?: string;
	elapsedMs: number;
}

/**
 * Delivers one callback to the trigger and scans what it emitted, answered and logged for secrets. Without
 * `staticData` each delivery gets empty static data, as a callback arriving before the last one was saved does.
 */
async function deliver(
	request: WebhookRequest,
	workflow: WorkflowJson = secured(),
	context = 'callback',
	staticData?: IDataObject,
): Promise<Delivery> {
	const logsFrom = capturedLogs.length;
	const started = Date.now();
	let delivery: Delivery;
	try {
		const result = await runWebhook(workflow, NODE, { credentials: store, request, staticData });
		delivery = { result, elapsedMs: Date.now() - started };
	} catch (error) {
		delivery = { crash: (error as Error).message, elapsedMs: Date.now() - started };
	}
	const visible = [
		JSON.stringify({ items: delivery.result?.items, answer: delivery.result?.answer, crash: delivery.crash }),
		...capturedLogs.slice(logsFrom),
	].join('\n');
	const leaks = leaksIn(visible, [SECRETS.senderApiKey, SECRETS.senderWrongKey, SECRET]);
	ledger.record(LABEL, 'secrets', leaks.length === 0 ? 'correct' : 'lost', `${context}: ${leaks.length} secret value(s) visible`);
	return delivery;
}

/** What the caller of the webhook saw: the node's own answer, or n8n's 200 when the node left it to n8n. */
function answerOf(delivery: Delivery): string {
	if (delivery.crash) return `500 (the trigger threw)`;
	const answer = delivery.result!.answer ?? { status: 200, body: { message: 'Workflow was started' } };
	return `${answer.status} ${JSON.stringify(answer.body)}`;
}

type Expectation =
	/** Answer this status and emit nothing. */
	| { refuse: number }
	/** Answer 200 `{ received: true }` and emit nothing (a repeat, an order Sender does not know). */
	| { nothing: true }
	/** Emit exactly the status the API holds now, answered 200 `{ received: true }`; `cleanWhenUnconfirmed`: or
	 * emit nothing with the same answer when the API cannot confirm it (failed cleanly). */
	| { confirm: string; cleanWhenUnconfirmed?: boolean };

/** Judges one delivery to the version 2 trigger and counts it in the table. */
function judgeDelivery(name: string, delivery: Delivery, expect: Expectation): Outcome {
	const fail = (problem: string): Outcome => {
		ledger.record(LABEL, CALLBACKS, 'lost', `${name}: ${problem}`);
		return 'lost';
	};
	if (delivery.crash) return fail(`the trigger threw: ${delivery.crash}`);
	const result = delivery.result!;
	const statuses = result.items.map((item) => item.json.status);
	const answer = answerOf(delivery);
	if ('refuse' in expect) {
		if (result.items.length > 0) return fail(`emitted ${JSON.stringify(statuses)} instead of refusing`);
		if (result.answer?.status !== expect.refuse) return fail(`answered ${answer} instead of ${expect.refuse}`);
		ledger.record(LABEL, CALLBACKS, 'correct');
		return 'correct';
	}
	if (answer !== `200 ${RECEIVED}`) return fail(`answered ${answer} instead of 200 ${RECEIVED}`);
	if ('nothing' in expect) {
		if (result.items.length > 0) return fail(`emitted ${JSON.stringify(statuses)}, expected nothing`);
		ledger.record(LABEL, CALLBACKS, 'correct');
		return 'correct';
	}
	if (result.items.length === 0) {
		if (expect.cleanWhenUnconfirmed) {
			ledger.record(LABEL, CALLBACKS, 'failedCleanly');
			return 'failedCleanly';
		}
		return fail('emitted nothing although the API confirms the order');
	}
	const wanted = MEANS[expect.confirm] ?? expect.confirm;
	if (result.items.length !== 1 || statuses[0] !== wanted) return fail(`emitted ${JSON.stringify(statuses)}, the API says ${wanted}`);
	const details = result.items[0].json.details as IDataObject;
	if (details.verified !== true) return fail('emitted an unverified item');
	ledger.record(LABEL, CALLBACKS, 'correct');
	return 'correct';
}

const header = (value: string | string[]) => ({ 'x-sender-secret': value } as Record<string, string | string[]>);
const emitted = (deliveries: Delivery[]) => deliveries.filter((delivery) => (delivery.result?.items.length ?? 0) > 0).length;

// ---------------------------------------------------------------------------------------------------------------
// The attacks of item 1, written once and run against both versions. Each returns what it saw (figures) and the
// guarantees it checked; version 2 must keep them all, version 1 must break at least one.

interface Guarantee {
	holds: boolean;
	problem: string;
}
interface AttackResult {
	figures: string;
	guarantees: Guarantee[];
}
type Attack = (version: Version) => Promise<AttackResult>;

/** No secret set (version 1's default; version 2 refuses to run so): 3 copies of a callback, 20 forged POSTs. */
const forgedWithoutSecret: Attack = async (version) => {
	const open = trigger(version, { sharedSecret: '' });
	sim.addOrder({ reference: 'SND-A-1', status: 'accepted' });
	const copies: Delivery[] = [];
	for (let i = 0; i < 3; i++) copies.push(await deliver({ body: sim.render('SND-A-1') }, open, 'forged copy, no secret set'));
	const callsForCopies = sim.count(GET_ORDER);
	const posts: Delivery[] = [];
	for (let i = 0; i < 20; i++) {
		posts.push(await deliver({ body: { order_reference: `SND-FORGED-${i}`, status: 'delivered' } }, open, 'forged POST, no secret set'));
	}
	const callsForPosts = sim.count(GET_ORDER) - callsForCopies;
	const answers = new Set([...copies, ...posts].map(answerOf));
	return {
		figures: `3 forged copies of one callback → ${emitted(copies)} executions; 20 forged POSTs → ${callsForPosts} calls to Sender with the user's key; answers ${[...answers].join(' | ')}`,
		guarantees: [
			{ holds: emitted(copies) === 0, problem: `3 forged copies started ${emitted(copies)} executions` },
			{ holds: emitted(posts) === 0, problem: `20 forged POSTs started ${emitted(posts)} executions` },
			{ holds: sim.count(GET_ORDER) === 0, problem: `forged callbacks made ${sim.count(GET_ORDER)} calls to Sender with the user's key` },
			{ holds: answers.size === 1 && answers.has('401 {"message":"Unauthorized"}'), problem: `forged callbacks were answered ${[...answers].join(' | ')}` },
		],
	};
};

/** Known and unknown references, with no secret set and with the right secret: one answer for all? */
const enumeration: Attack = async (version) => {
	const figures: string[] = [];
	const guarantees: Guarantee[] = [];
	const setups: Array<[string, WorkflowJson, WebhookRequest]> = [
		['no secret set', trigger(version, { sharedSecret: '' }), {}],
		['with the right secret', secured({}, version), { headers: header(SECRET) }],
	];
	for (const [setup, workflow, request] of setups) {
		sim.clearOrders();
		const known: string[] = [];
		const unknown: string[] = [];
		for (let i = 0; i < 5; i++) {
			sim.addOrder({ reference: `SND-K-${i}`, status: i % 2 ? 'accepted' : 'canceled' });
			known.push(answerOf(await deliver({ ...request, body: sim.render(`SND-K-${i}`) }, workflow, `known reference, ${setup}`)));
			unknown.push(answerOf(await deliver({ ...request, body: { order_reference: `SND-U-${i}`, status: 'accepted' } }, workflow, `unknown reference, ${setup}`)));
		}
		const distinct = new Set([...known, ...unknown]);
		figures.push(`${setup}: known → ${[...new Set(known)].join(' | ')}; unknown → ${[...new Set(unknown)].join(' | ')}`);
		guarantees.push({
			holds: distinct.size === 1,
			problem: `${setup}: known references answered ${[...new Set(known)].join(' | ')}, unknown ${[...new Set(unknown)].join(' | ')}`,
		});
	}
	return { figures: figures.join('; '), guarantees };
};

/** A valid callback replayed (with the secret): 5 times in a row, 3 copies at once, once more after a restart. */
const replays: Attack = async (version) => {
	const workflow = secured({}, version);
	sim.addOrder({ reference: 'SND-R-1', status: 'accepted' });
	sim.addOrder({ reference: 'SND-R-2', status: 'canceled' });
	// n8n keeps the node's static data between production callbacks: one object stands for the saved copy.
	const saved: IDataObject = {};
	const sequential: Delivery[] = [];
	for (let i = 0; i < 5; i++) sequential.push(await deliver({ headers: header(SECRET), body: sim.render('SND-R-1') }, workflow, 'replay', saved));
	forgetProcessMemory(); // n8n restarted: only the saved static data is left
	const afterRestart = await deliver({ headers: header(SECRET), body: sim.render('SND-R-1') }, workflow, 'replay after a restart', saved);
	// Three copies at once: each execution starts from static data saved before any of them finished.
	const concurrent = await Promise.all(
		[1, 2, 3].map(async () => await deliver({ headers: header(SECRET), body: sim.render('SND-R-2') }, workflow, 'concurrent copy', {})),
	);
	const answers = new Set([...sequential, afterRestart, ...concurrent].map(answerOf));
	return {
		figures: `the same callback 5 times → emitted ${emitted(sequential)}×, once more after a restart → ${emitted([afterRestart])}×; 3 copies at once → emitted ${emitted(concurrent)}×; answers ${[...answers].join(' | ')}`,
		guarantees: [
			{ holds: emitted(sequential) === 1, problem: `the same callback 5 times was emitted ${emitted(sequential)} times` },
			{ holds: emitted([afterRestart]) === 0, problem: 'a replay after a restart was emitted again' },
			{ holds: emitted(concurrent) === 1, problem: `3 copies at once were emitted ${emitted(concurrent)} times` },
			{ holds: answers.size === 1, problem: `replays were answered differently from the first: ${[...answers].join(' | ')}` },
		],
	};
};

/** 100 callbacks with the right secret for distinct unknown references, within one minute. */
const flood: Attack = async (version) => {
	const workflow = secured({}, version);
	const deliveries: Delivery[] = [];
	for (let i = 0; i < 100; i++) {
		deliveries.push(await deliver({ headers: header(SECRET), body: { order_reference: `SND-FLOOD-${i}`, status: 'accepted' } }, workflow, 'flood'));
	}
	const calls = sim.count(GET_ORDER);
	const answers = new Set(deliveries.map(answerOf));
	return {
		figures: `100 callbacks for unknown references → ${calls} calls to Sender, ${emitted(deliveries)} executions; answers ${[...answers].join(' | ')}`,
		guarantees: [
			{
				holds: calls <= DEFAULT_MAX_VERIFICATIONS_PER_MINUTE,
				problem: `100 callbacks in a minute made ${calls} calls to Sender (bound ${DEFAULT_MAX_VERIFICATIONS_PER_MINUTE})`,
			},
			{ holds: emitted(deliveries) === 0, problem: `${emitted(deliveries)} callbacks for unknown references were emitted` },
			{ holds: answers.size === 1, problem: `answered differently: ${[...answers].join(' | ')}` },
		],
	};
};

const ATTACKS: Array<[string, Attack]> = [
	['forged callbacks, no secret set', forgedWithoutSecret],
	['enumerating references', enumeration],
	['replayed callbacks', replays],
	['a flood of valid-secret callbacks', flood],
];
/** Each attack's figures per version, printed after the run. */
const comparison: Array<{ attack: string; version: Version; figures: string; broken: string[] }> = [];

afterAll(() => {
	if (comparison.length === 0) return;
	const lines = ['', 'Sender Trigger, the attacks of "Triggers and identifiers under attack" (item 1), per node version:'];
	for (const row of comparison) {
		lines.push(`  v${row.version} · ${row.attack}: ${row.figures}`);
		for (const problem of row.broken) lines.push(`      broken: ${problem}`);
	}
	console.log(lines.join('\n'));
});

describe('Sender Trigger', () => {
	describe.each(ATTACKS)('%s', (attack, run) => {
		test('version 2 keeps every guarantee', async () => {
			const result = await run(2);
			for (const guarantee of result.guarantees) ledger.check(LABEL, CALLBACKS, guarantee.holds, `${attack}: ${guarantee.problem}`);
			comparison.push({ attack, version: 2, figures: result.figures, broken: result.guarantees.filter((g) => !g.holds).map((g) => g.problem) });
			expectNothingLost(ledger, LABEL, CALLBACKS);
		});

		test('version 1 (kept for saved workflows) is caught by the same checks', async () => {
			const result = await run(1);
			const broken = result.guarantees.filter((guarantee) => !guarantee.holds).map((guarantee) => guarantee.problem);
			comparison.push({ attack, version: 1, figures: result.figures, broken });
			expect(broken.length).toBeGreaterThan(0);
		});
	});

	test('callbacks without the right secret are refused with 401, emit nothing and ask nothing', async () => {
		sim.addOrder({ reference: 'SND-F-1', status: 'accepted' });
		const body = sim.render('SND-F-1');
		const forged: Array<[string, WebhookRequest]> = [
			['no secret', { body }],
			['empty secret header', { body, headers: header('') }],
			['wrong secret, same length', { body, headers: header(SECRET.replace(/.$/, '#')) }],
			['wrong secret, other length', { body, headers: header('nope') }],
			['a prefix of the secret', { body, headers: header(SECRET.slice(0, -1)) }],
			['the secret plus one character', { body, headers: header(`${SECRET}x`) }],
			['the secret in upper case', { body, headers: header(SECRET.toUpperCase()) }],
			['the secret in another header', { body, headers: { authorization: SECRET } }],
			['a wrong secret first, the right one second', { body, headers: header(['wrong', SECRET]) }],
			['a wrong secret in the query', { body, query: { secret: 'guess' } }],
			['the secret as a query key', { body, query: { [SECRET]: '1' } }],
			['the secret in the body', { body: { ...body, secret: SECRET } }],
		];
		for (const [name, request] of forged) judgeDelivery(name, await deliver(request, secured(), name), { refuse: 401 });
		const unverified = secured({ verifyByRefetch: false });
		judgeDelivery('no secret, verification off', await deliver({ body }, unverified, 'no secret, verification off'), { refuse: 401 });
		// A version 2 node whose secret is empty or too short refuses everything, the empty or short secret too.
		for (const configured of ['', '   ', 'short-secret']) {
			const weak = trigger(2, { sharedSecret: configured });
			for (const [name, request] of [
				['nothing presented', { body }],
				['the configured value presented', { body, headers: header(configured), query: { secret: configured } }],
			] as Array<[string, WebhookRequest]>) {
				judgeDelivery(`secret set to ${JSON.stringify(configured)}, ${name}`, await deliver(request, weak, name), { refuse: 401 });
			}
		}
		if (sim.count(GET_ORDER) !== 0) ledger.record(LABEL, CALLBACKS, 'lost', `${sim.count(GET_ORDER)} API requests for refused callbacks`);
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('a valid secret with a status the API does not confirm emits the API status, never the forged one', async () => {
		const cases: Array<[string, string, IDataObject]> = [
			['pending', 'delivered', {}],
			['pending', 'accepted', { tracking_number: 'FAKE-TRACK', label_url: 'https://evil.example/label.pdf' }],
			['canceled', 'accepted', {}],
			['accepted', 'canceled', {}],
			['in_transit', 'delivered', {}],
			['failed', 'accepted', {}],
			['accepted', 'ZZ_FORGED', {}],
			['accepted', '', {}],
		];
		for (const [index, [apiStatus, forgedStatus, extra]] of cases.entries()) {
			const reference = `SND-V-${index}`;
			sim.addOrder({ reference, status: 'pending' });
			if (apiStatus !== 'pending') sim.setStatus(reference, apiStatus);
			const name = `API ${apiStatus}, callback says ${JSON.stringify(forgedStatus)}`;
			const delivery = await deliver({ headers: header(SECRET), body: { order_reference: reference, status: forgedStatus, ...extra } }, secured(), name);
			if (judgeDelivery(name, delivery, { confirm: apiStatus }) === 'correct') {
				const details = delivery.result!.items[0].json.details as IDataObject;
				if (details.trackingNumber === 'FAKE-TRACK' || details.labelUrl === 'https://evil.example/label.pdf') {
					ledger.record(LABEL, CALLBACKS, 'lost', `${name}: forged tracking or label data emitted`);
				}
			}
		}
		// Secret in the query instead of the header.
		sim.addOrder({ reference: 'SND-Q-1', status: 'pending' });
		judgeDelivery(
			'secret in the query, forged delivered',
			await deliver({ query: { secret: SECRET }, body: { order_reference: 'SND-Q-1', status: 'delivered' } }, secured(), 'query secret'),
			{ confirm: 'pending' },
		);
		// An order the API does not know: the same answer as any other, nothing emitted.
		judgeDelivery(
			'unknown order',
			await deliver({ headers: header(SECRET), body: { order_reference: 'SND-NOBODY', status: 'accepted' } }, secured(), 'unknown order'),
			{ nothing: true },
		);
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('a stale callback replayed while the order moves on: each new API status is emitted once, repeats are not', async () => {
		sim.addOrder({ reference: 'SND-S-1', status: 'pending' });
		const saved: IDataObject = {};
		const timeline: Array<[string, () => void, Expectation]> = [
			['pending', () => undefined, { confirm: 'pending' }],
			['pending', () => undefined, { nothing: true }],
			['in_transit', () => sim.setStatus('SND-S-1', 'in_transit'), { confirm: 'in_transit' }],
			['in_transit', () => undefined, { nothing: true }],
			['delivered', () => sim.setStatus('SND-S-1', 'delivered'), { confirm: 'delivered' }],
			['delivered', () => undefined, { nothing: true }],
		];
		for (const [step, [apiStatus, change, expectation]] of timeline.entries()) {
			change();
			// The stale body claims a status the order never had, so every copy is verified with the API.
			const body = { order_reference: 'SND-S-1', status: 'accepted' };
			judgeDelivery(`replay ${step + 1} (API ${apiStatus})`, await deliver({ headers: header(SECRET), body }, secured(), 'stale replay', saved), expectation);
		}
		ledger.check(LABEL, CALLBACKS, sim.count(GET_ORDER) === timeline.length, `${sim.count(GET_ORDER)} API reads for ${timeline.length} stale replays`);
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('hostile references and bodies: 400 or a correctly encoded lookup, never a request off the route', async () => {
		const bodies: Array<[string, unknown]> = [
			['reference ../', { order_reference: '../', status: 'accepted' }],
			['reference ../../admin', { order_reference: '../../admin', status: 'accepted' }],
			['reference with ?', { order_reference: 'SND-1?x=1', status: 'accepted' }],
			['reference with #', { order_reference: 'SND-1#x', status: 'accepted' }],
			['reference with /', { order_reference: 'SND/1', status: 'accepted' }],
			['reference %2e%2e%2f', { order_reference: '%2e%2e%2fadmin', status: 'accepted' }],
			['reference with a line break', { order_reference: 'SND-1\nHost: evil', status: 'accepted' }],
			['reference of 10,000 characters', { order_reference: 'S'.repeat(10_000), status: 'accepted' }],
			['reference as a number', { order_reference: 12345, status: 'accepted' }],
			['reference as an object', { order_reference: { $ne: null }, status: 'accepted' }],
			['reference as a list', { order_reference: ['SND-1'], status: 'accepted' }],
			['no reference', { status: 'delivered' }],
			['a list as body', [{ order_reference: 'SND-1', status: 'accepted' }]],
			['a string as body', 'order_reference=SND-1&status=delivered'],
			['an empty body', {}],
		];
		for (const [name, body] of bodies) {
			sim.resetStats();
			const delivery = await deliver({ headers: header(SECRET), body }, secured(), name);
			const sent = sim.requests.filter((req) => req.route === GET_ORDER);
			const offRoute = sim.unmatched.length > 0 || sent.some((req) => req.rawPath.split('/').length - 1 !== 2);
			if (offRoute) {
				ledger.record(LABEL, CALLBACKS, 'lost', `${name}: a request left the route (${sim.requests.map((req) => req.rawPath).join(', ').slice(0, 160)})`);
				continue;
			}
			// Nothing in the API has these references: refused before the lookup (400), or looked up and not emitted.
			judgeDelivery(name, delivery, sent.length > 0 ? { nothing: true } : { refuse: 400 });
			if (sent.length > 0) {
				const reference = sent[0].params.reference;
				const given = (body as IDataObject).order_reference;
				if (typeof given === 'string' && reference !== given.trim()) {
					ledger.record(LABEL, CALLBACKS, 'lost', `${name}: looked up ${JSON.stringify(reference)} instead of ${JSON.stringify(given)}`);
				}
			}
		}
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('an API that fails or answers nonsense confirms nothing: nothing emitted, the usual answer', async () => {
		const faults: Array<[string, Parameters<typeof sim.injectFault>[0]['fault'], boolean]> = [
			['API answering 503', { kind: 'status', status: 503, body: { message: 'Maintenance' } }, false],
			['API resetting connections', { kind: 'reset' }, false],
			['API answering HTML with 200', { kind: 'raw', contentType: 'text/html', body: '<html>ok</html>' }, false],
			['API answering an empty body', { kind: 'raw', contentType: 'application/json', body: '' }, false],
			['API answering without a status', { kind: 'raw', contentType: 'application/json', body: '{"order_reference":"SND-E-1"}' }, false],
			['API answering 503 once (retried)', { kind: 'status', status: 503, headers: { 'retry-after': '0' } }, true],
		];
		for (const [name, fault, recovers] of faults) {
			sim.clearOrders();
			sim.clearFaults();
			sim.addOrder({ reference: 'SND-E-1', status: 'pending' });
			sim.injectFault({ route: GET_ORDER, fault, ...(recovers ? { times: 1 } : {}) });
			const delivery = await deliver({ headers: header(SECRET), body: { order_reference: 'SND-E-1', status: 'delivered' } }, secured(), name);
			judgeDelivery(name, delivery, recovers ? { confirm: 'pending' } : { confirm: 'pending', cleanWhenUnconfirmed: true });
		}
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('end to end over HTTP: a forged POST is refused, the real one confirmed, its replay acknowledged only', async () => {
		const server = await serveWebhook(secured(), NODE, { credentials: store, staticData: {} });
		try {
			sim.addOrder({ reference: 'SND-H-1', status: 'pending', callbackUrl: server.url, callbackQuery: { secret: SECRET } });
			const forged = await sim.sendCallback('SND-H-1', { url: server.url, headers: {}, query: {} }, { order_reference: 'SND-H-1', status: 'delivered' });
			ledger.check(LABEL, CALLBACKS, forged.httpStatus === 401 && server.runs[0]?.items.length === 0, `forged POST answered ${forged.httpStatus}`);
			const stale = await sim.sendCallback('SND-H-1', {}, { order_reference: 'SND-H-1', status: 'delivered' });
			ledger.check(
				LABEL,
				CALLBACKS,
				stale.httpStatus === 200 && stale.responseBody === RECEIVED && server.runs[1]?.items.map((item) => item.json.status).join() === 'pending',
				`a callback with the secret claiming delivered emitted ${JSON.stringify(server.runs[1]?.items.map((item) => item.json.status))}`,
			);
			sim.accept('SND-H-1');
			await sim.callbacksSettled();
			const real = server.runs[2];
			ledger.check(LABEL, CALLBACKS, real?.items.map((item) => item.json.status).join() === 'accepted', 'the real callback was not confirmed');
			const replay = await sim.sendCallback('SND-H-1');
			ledger.check(
				LABEL,
				CALLBACKS,
				replay.httpStatus === 200 && replay.responseBody === RECEIVED && server.runs[3]?.items.length === 0,
				`the replayed real callback: answer ${replay.httpStatus}, ${server.runs[3]?.items.length} items`,
			);
			const visible = JSON.stringify(server.runs.map((run) => ({ items: run.items, answer: run.answer })));
			ledger.check(LABEL, 'secrets', leaksIn(visible, [SECRET, SECRETS.senderApiKey]).length === 0, 'the HTTP answers or items showed a secret');
		} finally {
			await server.close();
		}
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('timeouts: a hanging API holds a callback at most timeout × (retries + 1) plus the backoff', async () => {
		sim.addOrder({ reference: 'SND-T-1', status: 'accepted' });
		const bound = hangBoundMs(TRIGGER_OPTIONS.timeout, TRIGGER_OPTIONS.maxRetries);
		sim.injectFault({ route: GET_ORDER, fault: { kind: 'hang', ms: bound + 4000 } });
		const delivery = await deliver({ headers: header(SECRET), body: { order_reference: 'SND-T-1', status: 'delivered' } }, secured(), 'hanging API');
		ledger.check(
			LABEL,
			'timeouts',
			delivery.elapsedMs <= bound + BOUND_SLACK_MS,
			`a hanging API held the callback ${delivery.elapsedMs} ms, bound ${bound} ms + ${BOUND_SLACK_MS} ms slack`,
		);
		ledger.check(
			LABEL,
			'timeouts',
			answerOf(delivery) === `200 ${RECEIVED}` && delivery.result?.items.length === 0,
			`a hanging API: answer ${answerOf(delivery)}, ${delivery.result?.items.length} items`,
		);
		expectNothingLost(ledger, LABEL, 'timeouts');
	});

});

describe('Sender Trigger: secrets', () => {
	test('no answer, item or log line of any scenario above (either version) showed the API key or the shared secret', () => {
		expectNothingLost(ledger, LABEL, 'secrets');
	});
});
