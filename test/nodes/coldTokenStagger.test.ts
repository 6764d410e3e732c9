/**
 * A burst of executions that start while the PPL credential caches no token (createProviderClient's cold-token
 * stagger), through n8n-core's WorkflowExecute with the harness' credentials helper, which runs preAuthentication
 * for every execution that reads an empty token, as n8n does. The figures in real queue mode are the queue suite's.
 *
 * The wait is random; here the draws of createProviderClient are fixed so that the first execution starts at once
 * and the others wait 1.9 s (well past the token request), and the test counts token requests, not time.
 */
import { PPL_ROUTES, type PplSimulator } from '../simulators/ppl';
import { runWorkflow } from '../harness/runWorkflow';
import { credentialStore, NODE, startSimulator, tracking } from './pplCplSetup';

let sim: PplSimulator;

beforeAll(async () => (sim = await startSimulator()));
afterAll(async () => await sim.stop());
afterEach(() => jest.restoreAllMocks());

let round = 0;
beforeEach(() => {
	sim.resetStats();
	sim.resetTokenLimit();
	round++;
	for (let index = 1; index <= 5; index++) sim.addOrder({ referenceId: `COLD-${round}-${index}`, orderState: 'Created' });
});

async function burst(mode: 'trigger' | 'manual') {
	const store = credentialStore(sim);
	const results = await Promise.all(
		[1, 2, 3, 4, 5].map(async (index) => await runWorkflow(tracking(), { credentials: store, input: [{ orderId: `COLD-${round}-${index}` }], mode })),
	);
	expect(results.map((result) => [result.error?.message, result.output(NODE).map((item) => item.json.status)])).toEqual(
		results.map(() => [undefined, ['accepted']]),
	);
	return sim.count(PPL_ROUTES.token);
}

/** Fixes the stagger's draws (Math.random called from createProviderClient); other callers get real ones. */
function fixStaggerDraws(draw: (index: number) => number): { count: () => number } {
	const real = Math.random.bind(Math);
	let count = 0;
	const calledFromStagger = () => {
		// The first frame outside this test and jest's spy is the caller of Math.random.
		const caller = (new Error().stack ?? '').split('\n').slice(1).find((frame) => !/coldTokenStagger\.test|jest-mock/.test(frame));
		return caller?.includes('createProviderClient') === true;
	};
	jest.spyOn(Math, 'random').mockImplementation(() => (calledFromStagger() ? draw(count++) : real()));
	return { count: () => count };
}

test('executions started by a trigger wait a random moment when no token is cached: the first fetches it, the others reuse it', async () => {
	const draws = fixStaggerDraws((index) => (index === 0 ? 0 : 0.95));
	expect(await burst('trigger')).toBe(1);
	expect(draws.count()).toBe(5);
});

test('test runs from the editor do not wait: the same burst fetches a token per execution, as n8n does without the wait', async () => {
	const draws = fixStaggerDraws(() => 0.95);
	expect(await burst('manual')).toBeGreaterThan(1);
	expect(draws.count()).toBe(0);
});

test('an execution that finds a cached token does not wait', async () => {
	const store = credentialStore(sim);
	await runWorkflow(tracking(), { credentials: store, input: [{ orderId: `COLD-${round}-1` }], mode: 'manual' });
	const draws = fixStaggerDraws(() => 0.95);
	const result = await runWorkflow(tracking(), { credentials: store, input: [{ orderId: `COLD-${round}-2` }], mode: 'trigger' });
	expect(result.error).toBeUndefined();
	expect(draws.count()).toBe(0);
	expect(sim.count(PPL_ROUTES.token)).toBe(1);
});
