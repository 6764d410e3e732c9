/**
 * Issue 9 scenarios for the Pitney Bowes Fulfillment node and its OAuth token (Basic key:secret): revoked
 * mid-run, token endpoint down or hanging, wrong secret.
 */
import { PITNEY_BOWES_ROUTES } from '../simulators/pitneyBowes';
import { tokenEndpointDown, tokenEndpointHangs, tokenRevokedMidRun, wrongSecret, type TokenAccess } from './lib/auth';
import { expectNothingLost, Ledger } from './lib/ledger';
import { actionScenarios } from './lib/scenarios';
import { pitneyBowesTarget, SECRETS } from './lib/targets';

const ledger = new Ledger(__filename);
const target = pitneyBowesTarget(ledger);
const { sim } = target;

const tokens: TokenAccess = {
	tokenRequests: () => sim.tokenRequests,
	tokenRoute: PITNEY_BOWES_ROUTES.token,
	revoke: () => sim.revokeTokens(),
};

beforeAll(async () => {
	await sim.start();
});
afterAll(async () => {
	await sim.stop();
	ledger.flush();
});

describe('Pitney Bowes Fulfillment', () => {
	actionScenarios(() => target, () => ledger);

	test('auth: a token revoked mid-run costs one re-authentication and loses nothing', async () => {
		await tokenRevokedMidRun(target, tokens, 200, 50);
		expectNothingLost(ledger, target.label, 'auth: token revoked mid-run');
	});

	test('auth: a token endpoint that is down fails clearly, naming the credential, without a retry storm', async () => {
		await tokenEndpointDown(target, tokens, { kind: 'status', status: 503, body: { message: 'down' } }, 'answering 503');
		await tokenEndpointDown(target, tokens, { kind: 'reset' }, 'resetting connections');
		expectNothingLost(ledger, target.label, 'auth: token endpoint down');
	});

	test('auth: a wrong API secret costs one token request and names the credential', async () => {
		await wrongSecret(target, { apiSecret: SECRETS.pbWrongSecret }, () => tokens.tokenRequests(), 1, 'token requests');
		expectNothingLost(ledger, target.label, 'auth: wrong secret');
	});

	test('timeouts: a hanging token endpoint is bounded too, and names the credential', async () => {
		await tokenEndpointHangs(target, tokens);
		expectNothingLost(ledger, target.label, 'timeouts');
	});

	test('secrets: no run showed the key, the secret, the Basic value or an issued token', () => {
		expectNothingLost(ledger, target.label, 'secrets');
	});
});
