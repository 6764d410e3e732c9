/**
 * Drives a webhook trigger's `webhook()` through n8n-core's real `WebhookContext`, with a small express-like
 * request and response, the pack's node types and the in-memory credentials. `serveWebhook` puts the same thing
 * behind a real local HTTP server, so a simulator's callback POST can reach a trigger end to end.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { HookContext, WebhookContext } from 'n8n-core';
import type {
	IDataObject,
	INodeExecutionData,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
	WorkflowExecuteMode,
} from 'n8n-workflow';

import type { CredentialStore } from './credentialsHelper';
// Nodes log through n8n-core's DI Logger here (not LoggerProxy): runWorkflow's import of testLogger sends those
// lines to the same capture as the rest.
import { additionalDataFor, buildWorkflow, type WorkflowJson } from './runWorkflow';

export interface WebhookRequest {
	method?: string;
	body?: unknown;
	/** Header names are lower-cased, as Node's HTTP server delivers them. */
	headers?: Record<string, string | string[]>;
	query?: Record<string, string | string[]>;
}

/** What the node answered itself through the response object (`res.status(...).json(...)`). */
export interface WebhookAnswer {
	status: number;
	body: unknown;
	headers: Record<string, string>;
}

export interface WebhookRunResult {
	/** What `webhook()` returned. */
	response: IWebhookResponseData;
	/** The items the trigger emitted on its first output (empty when it emitted nothing). */
	items: INodeExecutionData[];
	/** The node's own answer, when it wrote one (it then returns `noWebhookResponse: true`). */
	answer?: WebhookAnswer;
}

export interface WebhookOptions {
	credentials: CredentialStore;
	request: WebhookRequest;
	/** `webhook` for an active workflow, `manual` for the editor's "listen for test event". */
	mode?: WorkflowExecuteMode;
	staticData?: IDataObject;
}

/** An express-like response that records what the node wrote. */
class RecordingResponse {
	answer?: WebhookAnswer;
	private statusCode = 200;
	private readonly headers: Record<string, string> = {};

	get headersSent(): boolean {
		return this.answer !== undefined;
	}

	status(code: number): this {
		this.statusCode = code;
		return this;
	}

	setHeader(name: string, value: string): this {
		this.headers[name.toLowerCase()] = value;
		return this;
	}

	header(name: string, value: string): this {
		return this.setHeader(name, value);
	}

	json(body: unknown): this {
		this.headers['content-type'] ??= 'application/json';
		return this.send(body);
	}

	send(body?: unknown): this {
		if (this.answer) throw new Error('The node answered the webhook twice');
		this.answer = { status: this.statusCode, body, headers: { ...this.headers } };
		return this;
	}

	end(body?: unknown): this {
		return this.answer ? this : this.send(body);
	}
}

function lowerCaseHeaders(headers: Record<string, string | string[]> = {}): IncomingHttpHeaders {
	return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}

/** Runs node `nodeName`'s `webhook()` once, as n8n's webhook service would for one incoming request. */
export async function runWebhook(
	json: WorkflowJson,
	nodeName: string,
	options: WebhookOptions,
): Promise<WebhookRunResult> {
	const workflow = buildWorkflow(json, options.staticData);
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`No node ${nodeName} in the workflow`);
	const nodeType = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const webhookDescription = nodeType.description.webhooks?.[0];
	if (!nodeType.webhook || !webhookDescription) throw new Error(`${nodeName} is not a webhook node`);

	const request = {
		method: (options.request.method ?? 'POST').toUpperCase(),
		body: options.request.body ?? {},
		headers: lowerCaseHeaders(options.request.headers),
		query: options.request.query ?? {},
		params: {},
	};
	const response = new RecordingResponse();
	const additionalData: IWorkflowExecuteAdditionalData = additionalDataFor(options.credentials);
	additionalData.httpRequest = request as unknown as IWorkflowExecuteAdditionalData['httpRequest'];
	additionalData.httpResponse = response as unknown as IWorkflowExecuteAdditionalData['httpResponse'];

	const webhookData: IWebhookData = {
		httpMethod: webhookDescription.httpMethod as IWebhookData['httpMethod'],
		node: nodeName,
		path: String(webhookDescription.path),
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
	};
	const context = new WebhookContext(workflow, node, additionalData, options.mode ?? 'webhook', webhookData, [], null);
	const result = await nodeType.webhook.call(context);
	return { response: result, items: result.workflowData?.[0] ?? [], answer: response.answer };
}

/** Runs one of the node's webhook lifecycle methods (what n8n does when a workflow is activated or deactivated). */
export async function runWebhookMethod(
	json: WorkflowJson,
	nodeName: string,
	method: 'checkExists' | 'create' | 'delete',
	options: Omit<WebhookOptions, 'request'>,
): Promise<boolean | undefined> {
	const workflow = buildWorkflow(json, options.staticData);
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`No node ${nodeName} in the workflow`);
	const nodeType = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const webhookDescription = nodeType.description.webhooks?.[0];
	const lifecycle = nodeType.webhookMethods?.[webhookDescription?.name ?? 'default'];
	if (!lifecycle || !webhookDescription) throw new Error(`${nodeName} has no webhook lifecycle methods`);
	const additionalData = additionalDataFor(options.credentials);
	const webhookData: IWebhookData = {
		httpMethod: webhookDescription.httpMethod as IWebhookData['httpMethod'],
		node: nodeName,
		path: String(webhookDescription.path),
		webhookDescription,
		workflowId: workflow.id,
		workflowExecuteAdditionalData: additionalData,
		webhookId: node.webhookId,
	};
	const context = new HookContext(workflow, node, additionalData, options.mode ?? 'webhook', 'activate', webhookData);
	return await lifecycle[method].call(context);
}

export interface WebhookServer {
	url: string;
	/** Every request the server handed to the trigger, with what the trigger made of it. */
	readonly runs: Array<WebhookRunResult & { request: WebhookRequest }>;
	close(): Promise<void>;
}

/**
 * A tiny HTTP server in front of one trigger: it parses the JSON body, runs `webhook()` and answers as n8n does
 * (the node's own answer, or 200 "Workflow was started" when the trigger emitted items; 500 if it threw).
 */
export async function serveWebhook(
	json: WorkflowJson,
	nodeName: string,
	options: Omit<WebhookOptions, 'request'>,
): Promise<WebhookServer> {
	const workflow = buildWorkflow(json);
	const node = workflow.getNode(nodeName);
	if (!node) throw new Error(`No node ${nodeName} in the workflow`);
	const { description } = workflow.nodeTypes.getByNameAndVersion(node.type, node.typeVersion);
	const path = String(description.webhooks?.[0]?.path ?? '');
	const runs: WebhookServer['runs'] = [];
	const server: Server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			void (async () => {
				const url = new URL(req.url ?? '/', 'http://127.0.0.1');
				const text = Buffer.concat(chunks).toString('utf8');
				const request: WebhookRequest = {
					method: req.method,
					body: text ? (JSON.parse(text) as unknown) : {},
					headers: req.headers as Record<string, string | string[]>,
					query: Object.fromEntries(url.searchParams),
				};
				try {
					const run = await runWebhook(json, nodeName, { ...options, request });
					runs.push({ ...run, request });
					const answer = run.answer ?? { status: 200, body: { message: 'Workflow was started' }, headers: {} };
					res.writeHead(answer.status, { 'content-type': 'application/json' });
					res.end(JSON.stringify(answer.body ?? {}));
				} catch (error) {
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ message: (error as Error).message }));
				}
			})();
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}/webhook/${path}`,
		runs,
		close: async () => await new Promise<void>((resolve) => server.close(() => resolve())),
	};
}
