/** What the PPL CPL node tests share: the simulator, a credential store, fixtures and small readers. */
import type { IDataObject } from 'n8n-workflow';

import {
	CredentialStore,
	fixture,
	runWorkflow,
	withNodeSettings,
	withParameters,
	type RunResult,
	type WorkflowJson,
} from '../harness/runWorkflow';
import { PplSimulator, type PplSimulatorOptions } from '../simulators/ppl';

export const NODE = 'PPL CPL';
export const CREDENTIAL_ID = 'ppl-1';
export const CLIENT_ID = 'ppl-node-client-0815';
/** Recognisable, so the secret scans can find it anywhere. */
export const CLIENT_SECRET = 'SECRET-ppl-client-secret-7Q2';
export const WRONG_SECRET = 'SECRET-ppl-wrong-secret-9Z4';

export const TRACKING = fixture('ppl-get-status.workflow.json');
export const BATCH = fixture('ppl-get-batch-status.workflow.json');

export async function startSimulator(options: Partial<PplSimulatorOptions> = {}): Promise<PplSimulator> {
	const sim = new PplSimulator({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...options });
	await sim.start();
	return sim;
}

export function credentialStore(sim: PplSimulator, clientSecret = CLIENT_SECRET): CredentialStore {
	const store = new CredentialStore();
	store.add({
		id: CREDENTIAL_ID,
		name: 'PPL sandbox',
		type: 'pplCplApi',
		data: { environment: 'custom', baseUrl: sim.url, clientId: CLIENT_ID, clientSecret, accessToken: '' },
	});
	return store;
}

export async function runItems(
	workflow: WorkflowJson,
	store: CredentialStore,
	input: IDataObject[],
): Promise<RunResult> {
	return await runWorkflow(workflow, { credentials: store, input });
}

export const json = (result: RunResult, output = 0) => result.output(NODE, output).map((item) => item.json);

export const tracking = (parameters: IDataObject = {}) => withParameters(TRACKING, NODE, parameters);
export const batch = (parameters: IDataObject = {}) => withParameters(BATCH, NODE, parameters);

export const continuing = (workflow: WorkflowJson, onError: 'continueRegularOutput' | 'continueErrorOutput') =>
	withNodeSettings(workflow, NODE, { onError });

/** The error of a run or of an item, as a user reads it. */
export interface VisibleError {
	message: string;
	description?: string | null;
	httpCode?: string | null;
	providerCode?: string | null;
	context?: { itemIndex?: number };
}

export const runError = (result: RunResult) => result.error as unknown as VisibleError | undefined;

export const itemError = (item: IDataObject) => item.error as unknown as VisibleError;
