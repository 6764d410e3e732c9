/**
 * Authentication faults (issue 9): a token revoked mid-run, a token endpoint that is down or hangs, a wrong
 * secret, the token rate limit. Token counts come from the simulators.
 */
import type { IDataObject } from 'n8n-workflow';

import type { Fault } from '../../simulators/framework';
import type { ScenarioName } from './ledger';
import { BOUND_SLACK_MS } from './scenarios';
import { configured, execute, groupByInput, hangBoundMs, judge, type Case } from './run';
import type { ActionTarget } from './targets';

/** Whether an error item names the credential to fix (in its message or description). */
function namesCredential(item: IDataObject | undefined, credentialName: string): boolean {
	const error = (item?.error ?? {}) as IDataObject;
	return `${String(error.message ?? '')} ${String(error.description ?? '')}`.includes(credentialName);
}

/** Every case must fail with one clear error item that names the credential. */
function judgeCredentialFailures(
	target: ActionTarget,
	scenario: ScenarioName,
	cases: Case[],
	result: Awaited<ReturnType<typeof execute>>['result'],
): void {
	const { ledger, label: node, nodeName } = target;
	if (result.error) {
		for (const entry of cases) ledger.record(node, scenario, 'lost', `${entry.orderId}: the run crashed: ${result.error.message}`);
		return;
	}
	const groups = groupByInput(result, nodeName, cases.length);
	cases.forEach((entry, index) => {
		const judged = judge(groups[index], entry, 'error');
		if (judged.outcome !== 'failedCleanly') {
			ledger.record(node, scenario, 'lost', judged.problem);
		} else if (!namesCredential(groups[index].items[0].json, target.credentialName)) {
			const error = groups[index].items[0].json.error as IDataObject;
			ledger.record(node, scenario, 'lost', `${entry.orderId}: the error does not name the "${target.credentialName}" credential: "${String(error.message)}"`);
		} else {
			ledger.record(node, scenario, 'failedCleanly');
		}
	});
}

export interface TokenAccess {
	/** Token requests the simulator received since its last `resetStats()`. */
	tokenRequests(): number;
	/** The token route (`METHOD pattern`). */
	tokenRoute: string;
	/** Invalidates every token issued so far. */
	revoke(): void;
}

/** A warm token is revoked while the run is under way: one re-authentication, every order still correct. */
export async function tokenRevokedMidRun(target: ActionTarget, tokens: TokenAccess, count: number, revokeAt: number): Promise<void> {
	const { ledger, label: node, nodeName, sim } = target;
	const scenario = 'auth: token revoked mid-run';
	target.reset();
	const cases = target.seed(count);
	const store = target.newStore();
	const workflow = configured(target.workflow, nodeName, {});
	await execute(target, workflow, store, [cases[0].input], 'warming the token cache');
	sim.resetStats();
	let seen = 0;
	sim.injectFault({
		route: target.route,
		fault: { kind: 'delay', ms: 0 },
		when: () => {
			if (++seen === revokeAt) tokens.revoke();
			return false;
		},
	});
	const { result } = await execute(target, workflow, store, cases.map((entry) => entry.input), 'token revoked mid-run');
	sim.clearFaults();
	if (result.error) {
		for (const entry of cases) ledger.record(node, scenario, 'lost', `${entry.orderId}: the run failed: ${result.error.message}`);
	} else {
		const groups = groupByInput(result, nodeName, cases.length);
		cases.forEach((entry, index) => {
			const judged = judge(groups[index], entry, 'status');
			ledger.record(node, scenario, judged.outcome, judged.problem);
		});
	}
	ledger.check(node, scenario, seen >= revokeAt, `the revocation never happened (${seen} order requests)`);
	ledger.check(node, scenario, tokens.tokenRequests() === 1, `${tokens.tokenRequests()} token requests after the revocation, expected exactly 1`);
}

/** The token endpoint fails for good: every item fails clearly, naming the credential; no retry storm. */
export async function tokenEndpointDown(target: ActionTarget, tokens: TokenAccess, fault: Fault, what: string): Promise<void> {
	const { ledger, label: node, nodeName, sim } = target;
	const scenario = 'auth: token endpoint down';
	target.reset();
	const cases = target.seed(20);
	sim.injectFault({ route: tokens.tokenRoute, fault });
	const workflow = configured(target.workflow, nodeName, { timeout: 1000, maxRetries: 3 });
	const { result } = await execute(target, workflow, target.newStore(), cases.map((entry) => entry.input), `token endpoint ${what}`);
	sim.clearFaults();
	judgeCredentialFailures(target, scenario, cases, result);
	ledger.check(node, scenario, tokens.tokenRequests() <= 2, `token endpoint ${what}: ${tokens.tokenRequests()} token requests for 20 orders (a retry storm)`);
	ledger.check(
		node,
		scenario,
		sim.count(target.route) <= 1,
		`token endpoint ${what}: ${sim.count(target.route)} order requests were sent without a token`,
	);
}

/** A wrong secret: one token request, every item fails clearly naming the credential. */
export async function wrongSecret(
	target: ActionTarget,
	overrides: IDataObject,
	countRequests: () => number,
	maxRequests: number,
	what: string,
): Promise<void> {
	const { ledger, label: node, nodeName } = target;
	const scenario = 'auth: wrong secret';
	target.reset();
	const cases = target.seed(20);
	const workflow = configured(target.workflow, nodeName, { timeout: 1000, maxRetries: 3 });
	const { result } = await execute(target, workflow, target.newStore(overrides), cases.map((entry) => entry.input), 'wrong secret');
	judgeCredentialFailures(target, scenario, cases, result);
	const sent = countRequests();
	ledger.check(node, scenario, sent <= maxRequests, `${sent} ${what} for 20 orders with a wrong secret, at most ${maxRequests} expected`);
}

/**
 * How long a token request may take. The credentials' preAuthentication cannot see the node's Timeout option, so
 * a hanging token endpoint is bounded by the token request's own timeout (a constant of the credentials) and must
 * then stop the run's use of the credential: one token request, every order failed clearly, nothing retried.
 */
export const TOKEN_REQUEST_BOUND_MS = 10_000;

/**
 * The token endpoint hangs: the execution is held no longer than a hanging API would hold it, or than one
 * token request may take, and the error names the credential.
 */
export async function tokenEndpointHangs(target: ActionTarget, tokens: TokenAccess): Promise<void> {
	const { ledger, label: node, nodeName, sim } = target;
	target.reset();
	const cases = target.seed(1);
	const options = { timeout: 1000, maxRetries: 2 };
	const bound = Math.max(hangBoundMs(options.timeout, options.maxRetries), TOKEN_REQUEST_BOUND_MS);
	sim.injectFault({ route: tokens.tokenRoute, fault: { kind: 'hang', ms: bound + BOUND_SLACK_MS + 1500 } });
	const { result, elapsedMs } = await execute(
		target,
		configured(target.workflow, nodeName, options),
		target.newStore(),
		cases.map((entry) => entry.input),
		'token endpoint hangs',
	);
	sim.clearFaults();
	ledger.check(
		node,
		'timeouts',
		elapsedMs <= bound + BOUND_SLACK_MS,
		`a hanging token endpoint held the execution ${elapsedMs} ms, bound ${bound} ms (the larger of timeout 1000 × 3 + backoff and a ${TOKEN_REQUEST_BOUND_MS} ms token request) + ${BOUND_SLACK_MS} ms slack`,
	);
	judgeCredentialFailures(target, 'timeouts', cases, result);
	ledger.check(node, 'timeouts', tokens.tokenRequests() <= 1, `a hanging token endpoint got ${tokens.tokenRequests()} token requests for 1 order`);
}
