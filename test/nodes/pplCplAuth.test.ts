/** PPL CPL: the token (one per credential, not per item or run), re-authentication, pacing and secrets. */
import { randomUUID } from 'node:crypto';

import { testCredential } from '../harness/credentialTest';
import type { CredentialStore, RunResult } from '../harness/runWorkflow';
import { leakedSecrets, visibleText } from '../harness/secretScan';
import { PPL_ROUTES, PROBLEM_CONTENT_TYPE, pplProblemBody, type PplSimulator } from '../simulators/ppl';
import {
	BATCH,
	CLIENT_SECRET,
	continuing,
	CREDENTIAL_ID,
	credentialStore,
	itemError,
	json,
	runError,
	runItems,
	startSimulator,
	TRACKING,
	WRONG_SECRET,
} from './pplCplSetup';

let sim: PplSimulator;
let store: CredentialStore;

beforeAll(async () => {
	sim = await startSimulator();
});
afterAll(async () => await sim.stop());

beforeEach(() => {
	sim.setOrders([]);
	sim.batches.clear();
	sim.clearFaults();
	sim.resetStats();
	store = credentialStore(sim);
});

const tokenRequests = () => sim.getCounters().tokenRequests;
const references = (count: number, prefix = 'ORD') => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);

function addOrders(ids: string[]): void {
	for (const referenceId of ids) sim.addOrder({ referenceId, orderState: 'PickedUp' });
}

describe('one token per credential', () => {
	test('1,000 items: ONE token request and 20 order requests; a second execution reuses the token', async () => {
		const ids = references(1000);
		addOrders(ids);

		const first = await runItems(TRACKING, store, ids.map((orderId) => ({ orderId })));
		expect(runError(first)).toBeUndefined();
		expect(json(first)).toHaveLength(1000);
		expect(json(first).every((item) => item.status === 'shipped')).toBe(true);
		expect(tokenRequests()).toBe(1);
		expect(sim.count(PPL_ROUTES.orders)).toBe(20);
		const cached = store.get(CREDENTIAL_ID).data.accessToken;
		expect(cached).toBe(sim.issuedTokens[0]);

		sim.resetStats();
		const second = await runItems(TRACKING, store, ids.map((orderId) => ({ orderId })));
		expect(json(second)).toHaveLength(1000);
		expect(tokenRequests()).toBe(0);
		expect(sim.count(PPL_ROUTES.orders)).toBe(20);
		expect(store.preAuthenticationCalls.get('pplCplApi')).toBe(1);
	});

	test('batch reads share the token as well', async () => {
		const batchIds = Array.from({ length: 12 }, () => randomUUID());
		batchIds.forEach((batchId) => sim.addBatch(batchId, [{ referenceId: batchId.slice(0, 8), importState: 'Complete' }]));
		const result = await runItems(BATCH, store, batchIds.map((batchId) => ({ batchId })));
		expect(json(result)).toHaveLength(12);
		expect(tokenRequests()).toBe(1);
	});

	test('a token revoked mid-run: exactly one more token request, nothing lost', async () => {
		const ids = references(250);
		addOrders(ids);
		// Warm the cache, then revoke every token when the third order request of the next run arrives.
		await runItems(TRACKING, store, [{ orderId: ids[0] }]);
		sim.resetStats();
		let seen = 0;
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: { kind: 'delay', ms: 0 },
			when: () => {
				if (++seen === 3) sim.revokeTokens();
				return false;
			},
		});
		const revokedToken = store.get(CREDENTIAL_ID).data.accessToken;
		const result = await runItems(TRACKING, store, ids.map((orderId) => ({ orderId })));
		expect(runError(result)).toBeUndefined();
		const items = result.output('PPL CPL');
		expect(items.map((item) => item.json.orderId)).toEqual(ids);
		expect(items.map((item) => item.pairedItem)).toEqual(ids.map((_, i) => ({ item: i })));
		expect(items.every((item) => item.json.status === 'shipped')).toBe(true);
		expect(tokenRequests()).toBe(1);
		expect(sim.getCounters().unauthorized).toBeGreaterThanOrEqual(1);
		expect(store.get(CREDENTIAL_ID).data.accessToken).not.toBe(revokedToken);
		expect(store.get(CREDENTIAL_ID).data.accessToken).toBe(sim.issuedTokens[sim.issuedTokens.length - 1]);
	});

	test('an expired token is replaced once, for a batch read too', async () => {
		const batchId = randomUUID();
		sim.addBatch(batchId, [{ referenceId: 'R1', importState: 'InProcess' }]);
		await runItems(BATCH, store, [{ batchId }]);
		sim.expireTokens();
		sim.resetStats();
		const result = await runItems(BATCH, store, [{ batchId }, { batchId }, { batchId }]);
		expect(json(result).map((item) => item.status)).toEqual(['pending', 'pending', 'pending']);
		expect(tokenRequests()).toBe(1);
	});
});

describe('a wrong client secret', () => {
	beforeEach(() => {
		store = credentialStore(sim, WRONG_SECRET);
	});

	test('fails with a clear error naming the credential', async () => {
		addOrders(['R1']);
		const result = await runItems(TRACKING, store, [{ orderId: 'R1' }]);
		expect(runError(result)?.message).toMatch(/^PPL CPL API credential: the token endpoint refused/);
		expect(runError(result)?.message).toContain('refused the Client ID / Client Secret with HTTP 400 (invalid_client');
		expect(tokenRequests()).toBe(1);
		expect(sim.count(PPL_ROUTES.orders)).toBe(0);
	});

	test.each([
		['tracking', TRACKING, (i: number) => ({ orderId: `R${i}` })],
		['batch reads', BATCH, () => ({ batchId: randomUUID() })],
	])('no retry storm over 20 items with "continue" (%s)', async (_name, workflow, input) => {
		const result = await runItems(
			continuing(workflow, 'continueRegularOutput'),
			store,
			Array.from({ length: 20 }, (_, i) => input(i)),
		);
		const items = json(result);
		expect(items).toHaveLength(20);
		for (const item of items) expect(itemError(item).message).toMatch(/^PPL CPL API credential: /);
		expect(tokenRequests()).toBeLessThanOrEqual(2);
		expect(tokenRequests()).toBe(1);
		expect(sim.count(PPL_ROUTES.orders) + sim.count(PPL_ROUTES.orderBatch)).toBe(0);
	});
});

describe('Test credential', () => {
	test('OK with the right secret, a clear Error with a wrong one', async () => {
		expect(await testCredential(store, CREDENTIAL_ID)).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(sim.count(PPL_ROUTES.codelistStatus)).toBe(1);
		const wrong = credentialStore(sim, WRONG_SECRET);
		const result = await testCredential(wrong, CREDENTIAL_ID);
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(/PPL CPL API credential: the token endpoint refused the Client ID \/ Client Secret/);
		expect(result.message).not.toContain(WRONG_SECRET);
	});
});

describe('secrets', () => {
	test('the client secret and every issued token appear in no output, error, description or log line', async () => {
		addOrders(['R1', 'R2']);
		const batchId = randomUUID();
		sim.addBatch(batchId, [{ referenceId: 'R1', importState: 'Error', errorCode: 'E', errorMessage: 'bad' }]);
		const results: RunResult[] = [];
		results.push(await runItems(TRACKING, store, [{ orderId: 'R1' }, { orderId: 'R2' }]));
		results.push(await runItems(BATCH, store, [{ batchId }]));
		results.push(await runItems(continuing(TRACKING, 'continueErrorOutput'), store, [{ orderId: 'R1' }, { orderId: 'NOPE' }]));
		results.push(await runItems(TRACKING, store, [{ orderId: 'NOPE' }]));

		// A provider that echoes the bearer token and the secret back in its problem details.
		const token = String(store.get(CREDENTIAL_ID).data.accessToken);
		sim.injectFault({
			route: PPL_ROUTES.orders,
			fault: {
				kind: 'status',
				status: 400,
				headers: { 'content-type': PROBLEM_CONTENT_TYPE },
				body: pplProblemBody(400, `Bearer ${token} rejected for ${CLIENT_SECRET}`, {
					errors: { Authorization: [`Bearer ${token}`] },
				}),
			},
			times: 2,
		});
		const echoed = await runItems(TRACKING, store, [{ orderId: 'R1' }]);
		results.push(echoed);
		expect(runError(echoed)?.message).toContain('[redacted]');
		results.push(await runItems(continuing(TRACKING, 'continueErrorOutput'), store, [{ orderId: 'R1' }]));

		// Re-authentication after a revocation, then a wrong secret.
		sim.revokeTokens();
		results.push(await runItems(TRACKING, store, [{ orderId: 'R1' }, { orderId: 'R2' }]));
		sim.revokeTokens();
		const wrong = credentialStore(sim, WRONG_SECRET);
		results.push(await runItems(TRACKING, wrong, [{ orderId: 'R1' }]));
		results.push(await runItems(continuing(BATCH, 'continueErrorOutput'), wrong, [{ batchId }]));
		const testResults = [await testCredential(store, CREDENTIAL_ID), await testCredential(wrong, CREDENTIAL_ID)];

		const secrets = [CLIENT_SECRET, WRONG_SECRET, ...sim.issuedTokens];
		expect(sim.issuedTokens.length).toBeGreaterThanOrEqual(3);
		for (const result of results) expect(leakedSecrets(visibleText(result), secrets)).toEqual([]);
		expect(leakedSecrets(JSON.stringify(results.map((result) => result.run)), secrets)).toEqual([]);
		expect(leakedSecrets(JSON.stringify(testResults), secrets)).toEqual([]);
	});
});
