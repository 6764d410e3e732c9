/**
 * "Test credential" as n8n's CLI runs it (packages/cli/src/services/credentials-tester.service.ts `runRequestTest`,
 * checked against n8n 2.40.7 and 1.123.81): a temporary no-op node whose only property routes the credential's
 * `test.request`, run by n8n-core's real `RoutingNode`, so preAuthentication, authenticate and the rules behave as
 * in the editor. Like real n8n, a test does NOT force a new token: preAuthentication runs only when the token is
 * empty or a request answered 401. (n8n's CredentialsHelper would force it for a node of type
 * `n8n-nodes-base.noOp` with `temp: ''`, but the tester names the node type by its description, `noOp`: the
 * Workflow fills in `temp: ''` as the property's default, and the type never matches.)
 */
import { ExecuteContext, RoutingNode } from 'n8n-core';
import {
	createRunExecutionData,
	type ICredentialDataDecryptedObject,
	NodeConnectionTypes,
	NodeHelpers,
	Workflow,
	type ICredentialsDecrypted,
	type ICredentialTestRequest,
	type IExecuteData,
	type INode,
	type INodeExecutionData,
	type INodeType,
	type INodeTypes,
} from 'n8n-workflow';

import type { CredentialStore } from './credentialsHelper';
import { loadCredentialTypes } from './packTypes';
import { additionalDataFor } from './runWorkflow';

export interface CredentialTestResult {
	status: 'OK' | 'Error';
	message: string;
}

const credentialTypes = loadCredentialTypes();

function readPath(data: unknown, path: string): unknown {
	return path.split('.').reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], data);
}

/**
 * Tests a stored credential. `edits` are values changed in the editor's form and not saved yet: n8n tests the form
 * (the stored values with the edits) while preAuthentication persists a new token into the stored credential.
 */
export async function testCredential(
	store: CredentialStore,
	credentialId: string,
	edits: ICredentialDataDecryptedObject = {},
): Promise<CredentialTestResult> {
	const stored = store.get(credentialId);
	const type = credentialTypes.get(stored.type);
	const test = type?.test as ICredentialTestRequest | undefined;
	if (!test) return { status: 'Error', message: 'No testing function found for this credential.' };

	const nodeType: INodeType = {
		description: {
			displayName: 'No Operation',
			name: 'noOp',
			group: ['organization'],
			version: 1,
			description: '',
			defaults: {},
			inputs: [NodeConnectionTypes.Main],
			outputs: [NodeConnectionTypes.Main],
			credentials: [{ name: stored.type, required: true }],
			properties: [{ displayName: 'Temp', name: 'temp', type: 'string', routing: { request: test.request }, default: '' }],
		},
	};
	const nodeTypes: INodeTypes = {
		getByName: () => nodeType,
		getByNameAndVersion: () => NodeHelpers.getVersionedNodeType(nodeType, 1),
		getKnownTypes: () => ({}),
	};
	const node: INode = {
		id: 'temp',
		// As n8n 2.40.7 and 1.123.81 build it: `parameters: {}` (the Workflow adds `temp: ''`) and the type named
		// by the node type's description, which the loader leaves unprefixed (`noOp`).
		parameters: {},
		name: 'Temp-Node',
		type: nodeType.description.name,
		typeVersion: 1,
		position: [0, 0],
		credentials: { [stored.type]: { id: stored.id, name: stored.name } },
	};
	const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });
	const additionalData = additionalDataFor(store);
	const executeData: IExecuteData = { node, data: {}, source: null };
	const context = new ExecuteContext(
		workflow,
		node,
		additionalData,
		'internal',
		createRunExecutionData({ resultData: { runData: {} } }),
		0,
		[],
		{ main: [[{ json: {} }]] },
		executeData,
		[],
	);
	const credentials: ICredentialsDecrypted = {
		id: stored.id,
		name: stored.name,
		type: stored.type,
		data: { ...stored.data, ...edits },
	};

	let response: INodeExecutionData[][] | null | undefined;
	try {
		response = await new RoutingNode(context, nodeType, credentials).runNode();
	} catch (error) {
		const cause = (error as { cause?: { response?: { status: number; statusText?: string }; code?: string } }).cause;
		if (cause?.response) {
			for (const rule of test.rules ?? []) {
				if (rule.type === 'responseCode' && cause.response.status === rule.properties.value) {
					return { status: 'Error', message: rule.properties.message };
				}
			}
			if (cause.response.status < 199 || cause.response.status > 299) {
				return {
					status: 'Error',
					message: cause.response.statusText || `Received HTTP status code: ${cause.response.status}`,
				};
			}
		} else if (cause?.code) {
			return { status: 'Error', message: cause.code };
		}
		return { status: 'Error', message: String((error as Error).message) };
	}
	for (const rule of test.rules ?? []) {
		if (rule.type === 'responseSuccessBody') {
			if (readPath(response?.[0]?.[0]?.json, rule.properties.key) === rule.properties.value) {
				return { status: 'Error', message: rule.properties.message };
			}
		}
	}
	return { status: 'OK', message: 'Connection successful!' };
}
