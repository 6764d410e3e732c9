/**
 * Issue 9 scenarios for the Sender Trigger: forged callbacks (no secret, wrong secret, a status the API does not
 * confirm, replays, hostile references) never emit a false status; a hanging API cannot hold the callback.
 */
import type { IDataObject } from 'n8n-workflow';

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
const secured = (parameters: IDataObject = {}): WorkflowJson =>
	withParameters(fixture('sender-trigger.workflow.json'), NODE, {
		sharedSecret: SECRET,
		options: TRIGGER_OPTIONS,
		...parameters,
	});

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
});

interface Delivery {
	result?: WebhookRunResult;
	crash?: string;
	elapsedMs: number;
}

/** Delivers one callback to the trigger and scans what it emitted, answered and logged for secrets. */
async function deliver(request: WebhookRequest, workflow: WorkflowJson = secured(), context = 'callback'): Promise<Delivery> {
	const logsFrom = capturedLogs.length;
	const started = Date.now();
	let delivery: Delivery;
	try {
		const result = await runWebhook(workflow, NODE, { credentials: store, request });
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

/**
 * Judges one delivery: `refuse` = the trigger must answer this status and emit nothing; `confirm` = it must emit
 * exactly the status the API holds for the order now (or refuse cleanly when the API cannot confirm it).
 */
function judgeDelivery(
	name: string,
	delivery: Delivery,
	expect: { refuse: number } | { confirm: string; refuseWhenUnconfirmed?: number },
): Outcome {
	const fail = (problem: string): Outcome => {
		ledger.record(LABEL, CALLBACKS, 'lost', `${name}: ${problem}`);
		return 'lost';
	};
	if (delivery.crash) return fail(`the trigger threw: ${delivery.crash}`);
	const result = delivery.result!;
	const statuses = result.items.map((item) => item.json.status);
	if ('refuse' in expect) {
		if (result.items.length > 0) return fail(`emitted ${JSON.stringify(statuses)} instead of refusing`);
		if (result.answer?.status !== expect.refuse) return fail(`answered ${result.answer?.status ?? 'nothing'} instead of ${expect.refuse}`);
		ledger.record(LABEL, CALLBACKS, 'correct');
		return 'correct';
	}
	if (result.items.length === 0) {
		if (expect.refuseWhenUnconfirmed !== undefined && result.answer?.status === expect.refuseWhenUnconfirmed) {
			ledger.record(LABEL, CALLBACKS, 'failedCleanly');
			return 'failedCleanly';
		}
		return fail(`emitted nothing (answer ${result.answer?.status ?? 'none'}) although the API confirms the order`);
	}
	const wanted = MEANS[expect.confirm] ?? expect.confirm;
	if (result.items.length !== 1 || statuses[0] !== wanted) return fail(`emitted ${JSON.stringify(statuses)}, the API says ${wanted}`);
	const details = result.items[0].json.details as IDataObject;
	if (details.verified !== true) return fail('emitted an unverified item');
	ledger.record(LABEL, CALLBACKS, 'correct');
	return 'correct';
}

const header = (value: string | string[]) => ({ 'x-sender-secret': value } as Record<string, string | string[]>);

describe('Sender Trigger', () => {
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
		// An order the API does not know.
		judgeDelivery(
			'unknown order',
			await deliver({ headers: header(SECRET), body: { order_reference: 'SND-NOBODY', status: 'accepted' } }, secured(), 'unknown order'),
			{ refuse: 404 },
		);
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('replays emit what the API says at that moment, each time', async () => {
		sim.addOrder({ reference: 'SND-R-1', status: 'pending' });
		const stale = { order_reference: 'SND-R-1', status: 'accepted' };
		const timeline: Array<[string, () => void]> = [
			['pending', () => undefined],
			['accepted', () => sim.accept('SND-R-1')],
			['in_transit', () => sim.setStatus('SND-R-1', 'in_transit')],
			['in_transit', () => undefined],
			['delivered', () => sim.setStatus('SND-R-1', 'delivered')],
			['delivered', () => undefined],
		];
		for (const [step, [apiStatus, change]] of timeline.entries()) {
			change();
			judgeDelivery(`replay ${step + 1} (API ${apiStatus})`, await deliver({ headers: header(SECRET), body: stale }, secured(), 'replay'), {
				confirm: apiStatus,
			});
		}
		if (sim.count(GET_ORDER) !== timeline.length) {
			ledger.record(LABEL, CALLBACKS, 'lost', `${sim.count(GET_ORDER)} API reads for ${timeline.length} replays`);
		}
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
			// Nothing in the API has these references: refused before (400) or after the lookup (404).
			const answer = delivery.result?.answer?.status;
			judgeDelivery(name, delivery, { refuse: sent.length > 0 ? 404 : 400 });
			if (sent.length > 0 && answer === 404) {
				const reference = sent[0].params.reference;
				const given = (body as IDataObject).order_reference;
				if (typeof given === 'string' && reference !== given.trim()) {
					ledger.record(LABEL, CALLBACKS, 'lost', `${name}: looked up ${JSON.stringify(reference)} instead of ${JSON.stringify(given)}`);
				}
			}
		}
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('an API that fails or answers nonsense confirms nothing: 502, nothing emitted', async () => {
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
			judgeDelivery(name, delivery, recovers ? { confirm: 'pending' } : { confirm: 'pending', refuseWhenUnconfirmed: 502 });
		}
		expectNothingLost(ledger, LABEL, CALLBACKS);
	});

	test('end to end over HTTP: a forged POST is refused, the real one confirmed', async () => {
		const server = await serveWebhook(secured(), NODE, { credentials: store });
		try {
			sim.addOrder({ reference: 'SND-H-1', status: 'pending', callbackUrl: server.url, callbackHeaders: { 'X-Sender-Secret': SECRET } });
			const forged = await sim.sendCallback('SND-H-1', { url: server.url, headers: {} }, { order_reference: 'SND-H-1', status: 'delivered' });
			ledger.check(LABEL, CALLBACKS, forged.httpStatus === 401 && server.runs[0]?.items.length === 0, `forged POST answered ${forged.httpStatus}`);
			const replay = await sim.sendCallback('SND-H-1', {}, { order_reference: 'SND-H-1', status: 'delivered' });
			ledger.check(
				LABEL,
				CALLBACKS,
				replay.httpStatus === 200 && server.runs[1]?.items.map((item) => item.json.status).join() === 'pending',
				`a replay with the secret emitted ${JSON.stringify(server.runs[1]?.items.map((item) => item.json.status))}`,
			);
			sim.accept('SND-H-1');
			await sim.waitForCallback('SND-H-1');
			await sim.callbacksSettled();
			const real = server.runs[2];
			ledger.check(LABEL, CALLBACKS, real?.items.map((item) => item.json.status).join() === 'accepted', 'the real callback was not confirmed');
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
			delivery.result?.answer?.status === 502 && delivery.result.items.length === 0,
			`a hanging API: answer ${delivery.result?.answer?.status}, ${delivery.result?.items.length} items`,
		);
		expectNothingLost(ledger, LABEL, 'timeouts');
	});

	test('secrets: no answer, item or log line showed the API key or the shared secret', () => {
		expectNothingLost(ledger, LABEL, 'secrets');
	});
});
