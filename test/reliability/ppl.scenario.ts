/**
 * Issue 9 scenarios for the PPL CPL node, both operations (Get Status: 50 references per request; Get Batch
 * Status: one request per batch), and PPL's OAuth2 token: revoked mid-run, endpoint down or hanging, wrong
 * secret, and the limit of 12 token requests a minute.
 */
import { PPL_ROUTES } from '../simulators/ppl';
import { tokenEndpointDown, tokenEndpointHangs, tokenRevokedMidRun, wrongSecret, type TokenAccess } from './lib/auth';
import { expectNothingLost, Ledger } from './lib/ledger';
import { configured, execute, groupByInput, judge } from './lib/run';
import { actionScenarios } from './lib/scenarios';
import { pplBatchTarget, pplOrdersTarget, pplSimulator, SECRETS } from './lib/targets';

const ledger = new Ledger(__filename);
const sim = pplSimulator();
const orders = pplOrdersTarget(ledger, sim);
const batches = pplBatchTarget(ledger, sim);

const tokens: TokenAccess = {
	// The route count includes token requests answered by an injected fault (the handler's counter does not).
	tokenRequests: () => sim.count(PPL_ROUTES.token),
	tokenRoute: PPL_ROUTES.token,
	revoke: () => sim.revokeTokens(),
};

beforeAll(async () => {
	await sim.start();
});
afterAll(async () => {
	await sim.stop();
	ledger.flush();
});

describe('PPL CPL · Get Status', () => {
	actionScenarios(() => orders, () => ledger);

	test('auth: a token revoked mid-run costs one re-authentication and loses nothing', async () => {
		await tokenRevokedMidRun(orders, tokens, 250, 3);
		expectNothingLost(ledger, orders.label, 'auth: token revoked mid-run');
	});

	test('auth: a token endpoint that is down fails clearly, naming the credential, without a retry storm', async () => {
		await tokenEndpointDown(orders, tokens, { kind: 'status', status: 503, body: { message: 'down' } }, 'answering 503');
		await tokenEndpointDown(orders, tokens, { kind: 'reset' }, 'resetting connections');
		expectNothingLost(ledger, orders.label, 'auth: token endpoint down');
	});

	test('auth: a wrong client secret costs one token request and names the credential', async () => {
		await wrongSecret(orders, { clientSecret: SECRETS.pplWrongSecret }, tokens.tokenRequests, 1, 'token requests');
		expectNothingLost(ledger, orders.label, 'auth: wrong secret');
	});

	test('auth: the token limit (12 a minute) is respected', async () => {
		const node = orders.label;
		const scenario = 'auth: token rate limit';
		orders.reset();
		const cases = orders.seed(50);
		const workflow = configured(orders.workflow, orders.nodeName, {});
		const store = orders.newStore();
		// The cached token serves every execution: 20 executions of 50 orders cost one token request.
		for (let run = 0; run < 20; run++) {
			const { result } = await execute(orders, workflow, store, cases.map((entry) => entry.input), `cached token, run ${run + 1}`);
			const groups = groupByInput(result, orders.nodeName, cases.length);
			cases.forEach((entry, index) => {
				const judged = judge(groups[index], entry, 'status');
				ledger.record(node, scenario, judged.outcome, judged.problem);
			});
		}
		ledger.check(node, scenario, tokens.tokenRequests() === 1, `${tokens.tokenRequests()} token requests for 20 executions with a cached token`);

		// Every token revoked before each of 14 executions: PPL refuses the 13th token request in a minute. The node
		// asks once per execution, never again after a refusal, and fails those orders clearly.
		orders.reset();
		const few = orders.seed(5);
		const fresh = orders.newStore();
		for (let run = 0; run < 14; run++) {
			sim.revokeTokens();
			const before = tokens.tokenRequests();
			const { result } = await execute(orders, workflow, fresh, few.map((entry) => entry.input), `revoked before run ${run + 1}`);
			const asked = tokens.tokenRequests() - before;
			ledger.check(node, scenario, asked === 1, `run ${run + 1}: ${asked} token requests (expected 1)`);
			const groups = groupByInput(result, orders.nodeName, few.length);
			const refused = run >= 12;
			few.forEach((entry, index) => {
				const judged = judge(groups[index], entry, refused ? 'error' : 'status');
				if (judged.outcome === 'failedCleanly') {
					const error = groups[index].items[0].json.error as { message?: string; description?: string };
					const text = `${error.message ?? ''} ${error.description ?? ''}`;
					if (!text.includes(orders.credentialName) || !/12|too many/i.test(text)) {
						ledger.record(node, scenario, 'lost', `run ${run + 1}: the refusal does not name the credential and the limit: "${text.slice(0, 200)}"`);
						return;
					}
				}
				ledger.record(node, scenario, judged.outcome, judged.problem ? `run ${run + 1}: ${judged.problem}` : undefined);
			});
		}
		const counters = sim.getCounters();
		ledger.check(node, scenario, counters.tokensRefusedForRate === 2, `${counters.tokensRefusedForRate} token requests refused for the limit, expected 2`);
		expectNothingLost(ledger, node, scenario);
	});

	test('timeouts: a hanging token endpoint is bounded too, and names the credential', async () => {
		await tokenEndpointHangs(orders, tokens);
		expectNothingLost(ledger, orders.label, 'timeouts');
	});

	test('secrets: no run showed the client secret or an issued token', () => {
		expectNothingLost(ledger, orders.label, 'secrets');
	});
});

describe('PPL CPL · Get Batch Status', () => {
	actionScenarios(() => batches, () => ledger);

	test('auth: a token revoked mid-run costs one re-authentication and loses nothing', async () => {
		await tokenRevokedMidRun(batches, tokens, 40, 12);
		expectNothingLost(ledger, batches.label, 'auth: token revoked mid-run');
	});

	test('auth: a wrong client secret costs one token request and names the credential', async () => {
		await wrongSecret(batches, { clientSecret: SECRETS.pplWrongSecret }, tokens.tokenRequests, 1, 'token requests');
		expectNothingLost(ledger, batches.label, 'auth: wrong secret');
	});

	test('secrets: no run showed the client secret or an issued token', () => {
		expectNothingLost(ledger, batches.label, 'secrets');
	});
});
