/**
 * Runs a workflow (the JSON n8n saves) through n8n-core's real `WorkflowExecute`, with the pack's node types
 * and the in-memory credentials helper. What a node test sees is what n8n would produce.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { ExecutionLifecycleHooks, WorkflowExecute } from 'n8n-core';
import {
	createRunExecutionData,
	Workflow,
	type IConnections,
	type IDataObject,
	type INode,
	type INodeExecutionData,
	type IRun,
	type IWorkflowBase,
	type IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { CredentialStore, TestCredentialsHelper } from './credentialsHelper';
import type { InMemoryDataTables } from './dataTables';
import { loadCredentialTypes, PackNodeTypes } from './packTypes';
import { capturedLogs } from './testLogger';

export interface WorkflowJson {
	name?: string;
	nodes: INode[];
	connections: IConnections;
	staticData?: IDataObject | null;
	settings?: IDataObject;
}

/** Every log line any node or n8n-core wrote (test/harness/testLogger.ts), so tests can scan them for secrets. */
export { capturedLogs };

export function loadWorkflow(path: string): WorkflowJson {
	return JSON.parse(readFileSync(path, 'utf8')) as WorkflowJson;
}

export function fixture(name: string): WorkflowJson {
	return loadWorkflow(join(__dirname, '..', 'fixtures', name));
}

/** Sets a parameter of one node (fixtures stay readable; tests vary the options). */
export function withParameters(workflow: WorkflowJson, nodeName: string, parameters: IDataObject): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	const node = copy.nodes.find((candidate) => candidate.name === nodeName);
	if (!node) throw new Error(`No node ${nodeName} in the workflow`);
	node.parameters = { ...node.parameters, ...parameters } as INode['parameters'];
	return copy;
}

/** Sets a node's settings (e.g. `onError: 'continueErrorOutput'`). */
export function withNodeSettings(workflow: WorkflowJson, nodeName: string, settings: Partial<INode>): WorkflowJson {
	const copy = JSON.parse(JSON.stringify(workflow)) as WorkflowJson;
	const index = copy.nodes.findIndex((candidate) => candidate.name === nodeName);
	if (index === -1) throw new Error(`No node ${nodeName} in the workflow`);
	copy.nodes[index] = { ...copy.nodes[index], ...settings };
	return copy;
}

export interface RunResult {
	run: IRun;
	/** Items of a node's output (`outputIndex` 0 is the first; the error output comes last). */
	output(nodeName: string, outputIndex?: number): INodeExecutionData[];
	/** How many outputs the node's last run produced. */
	outputCount(nodeName: string): number;
	/** The error that stopped the run, if any. */
	error: IRun['data']['resultData']['error'];
	/** The workflow's static data after the run (what n8n would save for an active workflow). */
	staticData: IDataObject;
}

export interface RunOptions {
	credentials: CredentialStore;
	/** Items handed to the start node. */
	input?: IDataObject[];
	/** Static data as saved by an earlier execution. */
	staticData?: IDataObject;
	mode?: 'manual' | 'trigger' | 'webhook';
	/**
	 * n8n's Data Tables as its data-table module offers them to nodes (see ./dataTables.ts); without it the
	 * execution has no Data Table helpers, as in an n8n without the module.
	 */
	dataTables?: InMemoryDataTables;
}

const nodeTypes = new PackNodeTypes();
const credentialTypes = loadCredentialTypes();
let executionCounter = 0;

export function additionalDataFor(store: CredentialStore, hooks?: ExecutionLifecycleHooks): IWorkflowExecuteAdditionalData {
	return {
		credentialsHelper: new TestCredentialsHelper(credentialTypes, store),
		hooks,
		executeWorkflow: async () => {
			throw new Error('Sub-workflows are not part of these tests');
		},
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		currentNodeExecutionIndex: 0,
		// Nothing listens behind these URLs in tests (webhooks are served by serveWebhook on an ephemeral port). A
		// reserved .invalid host makes anything that calls one fail at once, instead of reaching whatever listens on
		// 5678 on this machine (e.g. the demo n8n of `npm start`).
		restApiUrl: 'http://n8n-harness.invalid/rest',
		instanceBaseUrl: 'http://n8n-harness.invalid/',
		formBaseUrl: 'http://n8n-harness.invalid/form',
		formWaitingBaseUrl: 'http://n8n-harness.invalid/form-waiting',
		formTestBaseUrl: 'http://n8n-harness.invalid/form-test',
		webhookBaseUrl: 'http://n8n-harness.invalid/webhook',
		webhookWaitingBaseUrl: 'http://n8n-harness.invalid/webhook-waiting',
		webhookTestBaseUrl: 'http://n8n-harness.invalid/webhook-test',
		mcpBaseUrl: 'http://n8n-harness.invalid/mcp',
		mcpTestBaseUrl: 'http://n8n-harness.invalid/mcp-test',
		variables: {},
		logAiEvent: () => undefined,
	} as unknown as IWorkflowExecuteAdditionalData;
}

export function buildWorkflow(json: WorkflowJson, staticData?: IDataObject): Workflow {
	return new Workflow({
		id: 'test-workflow',
		name: json.name ?? 'test',
		nodes: json.nodes,
		connections: json.connections,
		active: false,
		nodeTypes,
		staticData: staticData ?? (json.staticData as IDataObject | undefined) ?? {},
		settings: {},
	});
}

export async function runWorkflow(json: WorkflowJson, options: RunOptions): Promise<RunResult> {
	const workflow = buildWorkflow(json, options.staticData ? JSON.parse(JSON.stringify(options.staticData)) : undefined);
	const mode = options.mode ?? 'manual';
	const executionId = String(++executionCounter);
	const workflowData = {
		id: workflow.id,
		name: workflow.name,
		nodes: json.nodes,
		connections: json.connections,
		active: false,
		settings: {},
		createdAt: new Date(),
		updatedAt: new Date(),
		isArchived: false,
		activeVersionId: null,
	} as unknown as IWorkflowBase;
	const hooks = new ExecutionLifecycleHooks(mode, executionId, workflowData);
	const additionalData = additionalDataFor(options.credentials, hooks);
	additionalData.executionId = executionId;
	if (options.dataTables) {
		(additionalData as unknown as Record<string, unknown>)['data-table'] = options.dataTables.moduleContext;
	}

	const startNode = json.nodes.find((node) => {
		const { inputs, group } = nodeTypes.getByNameAndVersion(node.type, node.typeVersion).description;
		return Array.isArray(inputs) && inputs.length === 0 && !group.includes('input') && node.type !== 'n8n-nodes-base.stickyNote';
	});
	if (!startNode) throw new Error('The workflow has no start node');
	const input: INodeExecutionData[] = (options.input ?? [{}]).map((json) => ({ json }));
	// The trigger's output is pinned to the given items, as when a user pins a trigger's data in the editor:
	// the nodes after it run for real.
	const runExecutionData = createRunExecutionData({
		resultData: { runData: {}, pinData: { [startNode.name]: input } },
		executionData: {
			nodeExecutionStack: [{ node: startNode, data: { main: [input] }, source: null }],
		},
	});
	const run = await new WorkflowExecute(additionalData, mode, runExecutionData).processRunExecutionData(workflow);

	const lastRun = (nodeName: string) => {
		const runs = run.data.resultData.runData[nodeName];
		return runs?.[runs.length - 1];
	};
	return {
		run,
		error: run.data.resultData.error,
		staticData: workflow.staticData as IDataObject,
		output(nodeName: string, outputIndex = 0) {
			return lastRun(nodeName)?.data?.main?.[outputIndex] ?? [];
		},
		outputCount(nodeName: string) {
			return lastRun(nodeName)?.data?.main?.length ?? 0;
		},
	};
}

export { CredentialStore };
