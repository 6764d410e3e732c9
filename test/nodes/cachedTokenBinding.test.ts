/**
 * A cached access token belongs to the credential values that obtained it (`tokenFor`): PPL CPL and Pitney Bowes,
 * through n8n-core's real RoutingNode ("Test credential", as n8n 2.40.7 runs it: nothing forces a new token) and
 * WorkflowExecute (the nodes), against the simulators. The bug these guard against: after the secret changed,
 * the old token kept working, so a wrong secret passed "Test credential" and executions ran on the old token.
 */
import type { ICredentialDataDecryptedObject, IDataObject } from 'n8n-workflow';

import { tokenFingerprint } from '../../nodes/shared/tokenRequest';
import { testCredential } from '../harness/credentialTest';
import { CredentialStore, fixture, runWorkflow, withNodeSettings, withParameters, type RunResult } from '../harness/runWorkflow';
import { leakedSecrets, visibleText } from '../harness/secretScan';
import type { ProviderSimulator } from '../simulators/framework';
import { PITNEY_BOWES_ROUTES, PitneyBowesSimulator } from '../simulators/pitneyBowes';
import { PPL_ROUTES, PplSimulator } from '../simulators/ppl';

interface Provider {
	name: string;
	credentialType: string;
	/** The credential id the workflow fixture refers to. */
	credentialId: string;
	node: string;
	workflow: string;
	tokenRoute: string;
	/** The route of the credential's `test` request. */
	testRoute: string;
	/** The credential field holding the secret, and the fields that decide the token besides the base URL. */
	secretField: string;
	identityField: string;
	identity: string;
	secret: string;
	/** A second secret the provider accepts after a rotation. */
	newSecret: string;
	wrongSecret: string;
	/** Credential fields that are not part of the token request. */
	extra: IDataObject;
	refusal: RegExp;
	start(): Promise<ProviderSimulator>;
	/** The provider now accepts only `secret` (tokens issued before stay valid until they expire). */
	rotate(sim: ProviderSimulator, secret: string): void;
	addOrders(sim: ProviderSimulator, ids: string[]): void;
}

const PROVIDERS: Provider[] = [
	{
		name: 'PPL CPL',
		credentialType: 'pplCplApi',
		credentialId: 'ppl-1',
		node: 'PPL CPL',
		workflow: 'ppl-get-status.workflow.json',
		tokenRoute: PPL_ROUTES.token,
		testRoute: PPL_ROUTES.codelistStatus,
		secretField: 'clientSecret',
		identityField: 'clientId',
		identity: 'ppl-binding-client-4711',
		secret: 'SECRET-ppl-binding-secret-1A2',
		newSecret: 'SECRET-ppl-binding-rotated-3B4',
		wrongSecret: 'SECRET-ppl-binding-wrong-5C6',
		extra: {},
		refusal: /^PPL CPL API credential: the token endpoint refused the Client ID \/ Client Secret with HTTP 400/,
		async start() {
			const sim = new PplSimulator({ clientId: this.identity, clientSecret: this.secret });
			await sim.start();
			return sim;
		},
		rotate(sim, secret) {
			(sim as PplSimulator).addClient({ clientId: this.identity, clientSecret: secret });
		},
		addOrders(sim, ids) {
			for (const referenceId of ids) (sim as PplSimulator).addOrder({ referenceId, orderState: 'PickedUp' });
		},
	},
	{
		name: 'Pitney Bowes',
		credentialType: 'pitneyBowesFulfillmentApi',
		credentialId: 'pitney-bowes-1',
		node: 'Pitney Bowes Fulfillment',
		workflow: 'pitney-bowes-get-status.workflow.json',
		tokenRoute: PITNEY_BOWES_ROUTES.token,
		testRoute: PITNEY_BOWES_ROUTES.statusSearch,
		secretField: 'apiSecret',
		identityField: 'apiKey',
		identity: 'KEY-pb-binding-key-7D8',
		secret: 'SECRET-pb-binding-secret-9E0',
		newSecret: 'SECRET-pb-binding-rotated-1F2',
		wrongSecret: 'SECRET-pb-binding-wrong-3G4',
		extra: { clientId: 'MYCLIENT' },
		refusal: /^Pitney Bowes Fulfillment API credential: Pitney Bowes refused the API Key \/ API Secret \(HTTP 401\)/,
		async start() {
			const sim = new PitneyBowesSimulator({ apiKey: this.identity, apiSecret: this.secret, clientId: 'MYCLIENT' });
			await sim.start();
			return sim;
		},
		rotate(sim, secret) {
			(sim as PitneyBowesSimulator).apiSecret = secret;
		},
		addOrders(sim, ids) {
			for (const orderId of ids) (sim as PitneyBowesSimulator).addOrder({ orderId, status: 'SHIPPED' });
		},
	},
];

describe.each(PROVIDERS)('$name: the cached token is bound to the secret', (provider) => {
	let sim: ProviderSimulator;
	let store: CredentialStore;
	/** Everything a user could see in this test, scanned for secrets and tokens afterwards. */
	let visible: string[];
	const CREDENTIAL_ID = provider.credentialId;

	const stored = () => store.get(CREDENTIAL_ID).data;
	const tokenRequests = () => sim.count(provider.tokenRoute);
	const baseUrl = () => sim.url.replace(/\/+$/, '');
	/** The fingerprint the credential should store for a secret: base URL, identity, secret (tokenRequest.ts). */
	const fingerprintFor = (secret: string) => tokenFingerprint([baseUrl(), provider.identity, secret]);
	/** Tokens the simulator issued, read from the Bearer headers it received and the stored credential. */
	const tokensSeen = () => [
		...sim.requests
			.map((request) => request.headers.authorization)
			.filter((header): header is string => typeof header === 'string' && header.startsWith('Bearer '))
			.map((header) => header.slice('Bearer '.length)),
		String(stored().accessToken ?? ''),
	];

	async function run(input: IDataObject[], onError?: 'continueRegularOutput'): Promise<RunResult> {
		let workflow = withParameters(fixture(provider.workflow), provider.node, { options: { maxConcurrency: 5 } });
		if (onError) workflow = withNodeSettings(workflow, provider.node, { onError });
		const result = await runWorkflow(workflow, { credentials: store, input });
		visible.push(visibleText(result));
		return result;
	}

	async function check(edits: ICredentialDataDecryptedObject = {}) {
		const result = await testCredential(store, CREDENTIAL_ID, edits);
		visible.push(JSON.stringify(result));
		return result;
	}

	/** A credential whose token was fetched and cached with the right secret, as after any earlier execution. */
	async function withCachedToken(): Promise<string> {
		expect((await check()).status).toBe('OK');
		expect(tokenRequests()).toBe(1);
		const token = String(stored().accessToken);
		expect(token).not.toBe('');
		expect(stored().tokenFor).toBe(fingerprintFor(provider.secret));
		return token;
	}

	beforeEach(async () => {
		sim = await provider.start();
		store = new CredentialStore();
		store.add({
			id: CREDENTIAL_ID,
			name: `${provider.name} binding test`,
			type: provider.credentialType,
			data: {
				environment: 'custom',
				baseUrl: sim.url,
				[provider.identityField]: provider.identity,
				[provider.secretField]: provider.secret,
				...provider.extra,
				accessToken: '',
			},
		});
		visible = [];
	});

	afterEach(async () => {
		await sim.stop();
		const secrets = [provider.secret, provider.newSecret, provider.wrongSecret, ...tokensSeen()];
		expect(leakedSecrets(visible.join('\n'), secrets)).toEqual([]);
	});

	test('Test credential with a changed WRONG secret fails with the refusal, after exactly one token request', async () => {
		const token = await withCachedToken();
		const before = { tokens: tokenRequests(), tests: sim.count(provider.testRoute) };

		const result = await check({ [provider.secretField]: provider.wrongSecret });
		expect(result.status).toBe('Error');
		expect(result.message).toMatch(provider.refusal);
		expect(tokenRequests() - before.tokens).toBe(1);
		for (const secret of [provider.wrongSecret, provider.secret, token]) expect(result.message).not.toContain(secret);
		// The old token never went out with the wrong secret: the one test call carried no Authorization at all.
		const testCalls = sim.requests.filter((request) => request.route === provider.testRoute).slice(before.tests);
		expect(testCalls).toHaveLength(1);
		expect(testCalls[0].headers.authorization).toBeUndefined();
		// A failed test keeps the stored credential's good token.
		expect(stored().accessToken).toBe(token);
		expect(stored().tokenFor).toBe(fingerprintFor(provider.secret));
	});

	test('Test credential with the secret unchanged passes on the cached token, without a token request', async () => {
		const token = await withCachedToken();
		const before = tokenRequests();
		expect(await check()).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(tokenRequests() - before).toBe(0);
		expect(stored().accessToken).toBe(token);
	});

	test('an execution after the secret changed to a new valid one: ONE token request, every item succeeds', async () => {
		const ids = Array.from({ length: 20 }, (_, i) => `BIND-${i}`);
		provider.addOrders(sim, ids);
		const oldToken = await withCachedToken();
		// The secret is rotated at the provider and saved in the credential; the old token is still valid there.
		provider.rotate(sim, provider.newSecret);
		store.update(CREDENTIAL_ID, { ...stored(), [provider.secretField]: provider.newSecret });
		const before = tokenRequests();

		const result = await run(ids.map((orderId) => ({ orderId })));
		expect(result.error).toBeUndefined();
		const items = result.output(provider.node).map((item) => item.json);
		expect(items.map((item) => item.orderId)).toEqual(ids);
		expect(items.every((item) => item.status === 'shipped')).toBe(true);
		expect(tokenRequests() - before).toBe(1);
		expect(stored().accessToken).not.toBe(oldToken);
		expect(stored().tokenFor).toBe(fingerprintFor(provider.newSecret));

		// The next execution uses the new token as it is.
		const again = await run(ids.slice(0, 3).map((orderId) => ({ orderId })));
		expect(again.output(provider.node)).toHaveLength(3);
		expect(tokenRequests() - before).toBe(1);
	});

	test('an execution after the secret changed to a WRONG one: the old token is not used, ONE token request for 20 items', async () => {
		const ids = Array.from({ length: 20 }, (_, i) => `BIND-${i}`);
		provider.addOrders(sim, ids);
		await withCachedToken();
		store.update(CREDENTIAL_ID, { ...stored(), [provider.secretField]: provider.wrongSecret });
		const before = { tokens: tokenRequests(), requests: sim.requests.length };

		const result = await run(ids.map((orderId) => ({ orderId })), 'continueRegularOutput');
		const items = result.output(provider.node).map((item) => item.json);
		expect(items).toHaveLength(20);
		for (const item of items) expect(String((item.error as IDataObject | undefined)?.message)).toContain('refused');
		expect(tokenRequests() - before.tokens).toBe(1);
		// No order was answered on the old token: every API call of this run went out without one.
		const apiCalls = sim.requests.slice(before.requests).filter((request) => request.route !== provider.tokenRoute);
		expect(apiCalls.length).toBeGreaterThan(0);
		expect(apiCalls.every((request) => request.headers.authorization === undefined)).toBe(true);
	});

	test('a token cached before tokenFor existed is replaced once, then used', async () => {
		const ids = ['OLD-1', 'OLD-2', 'OLD-3'];
		provider.addOrders(sim, ids);
		const oldToken = await withCachedToken();
		// What a credential saved by the previous version holds: a valid token and no fingerprint.
		const legacy = { ...stored() };
		delete legacy.tokenFor;
		store.update(CREDENTIAL_ID, legacy);
		const before = tokenRequests();

		const first = await run(ids.map((orderId) => ({ orderId })));
		expect(first.error).toBeUndefined();
		expect(first.output(provider.node).map((item) => item.json.status)).toEqual(['shipped', 'shipped', 'shipped']);
		expect(tokenRequests() - before).toBe(1);
		expect(stored().accessToken).not.toBe(oldToken);
		expect(stored().tokenFor).toBe(fingerprintFor(provider.secret));

		const second = await run(ids.map((orderId) => ({ orderId })));
		expect(second.output(provider.node)).toHaveLength(3);
		expect(tokenRequests() - before).toBe(1);
		expect(await check()).toEqual({ status: 'OK', message: 'Connection successful!' });
		expect(tokenRequests() - before).toBe(1);
	});
});
