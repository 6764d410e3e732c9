/** Issue 9 scenarios for the Altcraft Market node (token in the JSON body, errors as HTTP 200 envelopes). */
import { wrongSecret } from './lib/auth';
import { expectNothingLost, Ledger } from './lib/ledger';
import { actionScenarios } from './lib/scenarios';
import { altcraftTarget, SECRETS } from './lib/targets';

const ledger = new Ledger(__filename);
const target = altcraftTarget(ledger);

beforeAll(async () => {
	await target.sim.start();
});
afterAll(async () => {
	await target.sim.stop();
	ledger.flush();
});

describe('Altcraft Market', () => {
	actionScenarios(() => target, () => ledger);

	test('auth: a wrong API token fails every item clearly, naming the credential, without retries', async () => {
		await wrongSecret(
			target,
			{ apiToken: SECRETS.altcraftWrongToken },
			() => target.sim.count(target.route),
			20,
			'requests',
		);
		expectNothingLost(ledger, target.label, 'auth: wrong secret');
	});

	test('secrets: no run showed the token', () => {
		expectNothingLost(ledger, target.label, 'secrets');
	});
});
