import {
	NodeConnectionTypes,
	NodeOperationError,
	type IDataObject,
	type IHookFunctions,
	type INodeExecutionData,
	type INodeProperties,
	type INodeType,
	type INodeTypeDescription,
	type IWebhookFunctions,
	type IWebhookResponseData,
} from 'n8n-workflow';

import { commonOptionsFrom, optionsCollection, type CommonOptions } from '../shared/commonOptions';
import { mapStatus } from '../shared/mapStatus';
import { createProviderClient, ProviderError } from '../shared/providerClient';
import type { ParsedOrderStatus } from '../shared/runStatusCheck';
import { buildStatusItem } from '../shared/statusItem';
import {
	fetchSenderOrder,
	readOrderReference,
	SENDER_PROFILE,
	SENDER_PROVIDER,
	SENDER_SECRET_FIELDS,
	toParsedOrderStatus,
} from './api';
import {
	CallbackGuard,
	callbackKey,
	DEFAULT_MAX_VERIFICATIONS_PER_MINUTE,
	DEFAULT_REPLAY_WINDOW_HOURS,
} from './callbackGuard';
import {
	DEFAULT_SECRET_HEADER,
	firstText,
	MIN_SECRET_LENGTH,
	SECRET_QUERY_PARAMETER,
	secretMatches,
	secretProblem,
} from './callbackSecret';
import { readSenderOrder } from './orderBody';

const V1: { show: { '@version': number[] } } = { show: { '@version': [1] } };
const V2: { show: { '@version': number[] } } = { show: { '@version': [2] } };

/** Version 2's own options: the replay window and the verification rate bound. */
const V2_OPTION_FIELDS: INodeProperties[] = [
	{
		displayName: 'Replay Window (Hours)',
		name: 'replayWindowHours',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 720 },
		default: DEFAULT_REPLAY_WINDOW_HOURS,
		description:
			'How long the trigger remembers an order reference and status it emitted: a callback repeating them within this time is acknowledged and not emitted again. 0 turns this off.',
	},
	{
		displayName: 'Max Verifications per Minute',
		name: 'maxVerificationsPerMinute',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 1000 },
		default: DEFAULT_MAX_VERIFICATIONS_PER_MINUTE,
		description:
			"The most calls to Sender's API this trigger makes per minute to verify callbacks; callbacks beyond it are acknowledged, logged and not emitted",
	},
];

/** Common options that have no meaning for one callback: one request, so no concurrency and no pace. */
const NOT_FOR_ONE_CALLBACK = new Set(['maxConcurrency', 'maxRequestsPerSecond']);

/** The common options that make sense for one callback, plus a version's own. */
function triggerOptions(extraFields: INodeProperties[] = []): INodeProperties {
	const collection = optionsCollection(extraFields);
	collection.options = (collection.options ?? []).filter(
		(option) => !('name' in option) || !NOT_FOR_ONE_CALLBACK.has(option.name),
	);
	return collection;
}

/**
 * The shared options reader wants an execute context, but only calls `getNodeParameter('options', …)`; a
 * webhook context's `getNodeParameter` takes no item index, so this adapter bridges the two signatures.
 */
function readTriggerOptions(context: IWebhookFunctions): CommonOptions {
	return commonOptionsFrom(context.getNodeParameter('options', {}) as IDataObject);
}

function boundedNumber(value: unknown, fallback: number, min: number, max: number): number {
	const number = typeof value === 'number' ? value : Number(value);
	if (value === undefined || value === null || value === '' || !Number.isFinite(number)) return fallback;
	return Math.min(max, Math.max(min, number));
}

/** Answers the caller and emits nothing. */
function refuse(context: IWebhookFunctions, httpStatus: number, message: string): IWebhookResponseData {
	context.getResponseObject().status(httpStatus).json({ message });
	return { noWebhookResponse: true };
}

/** Version 2's one answer to every authenticated, readable callback, whatever became of it. */
const RECEIVED = { received: true };

/** Version 2: answers 200 `{ received: true }` and emits the items, if any. */
function acknowledge(context: IWebhookFunctions, items?: INodeExecutionData[]): IWebhookResponseData {
	context.getResponseObject().status(200).json(RECEIVED);
	return items ? { noWebhookResponse: true, workflowData: [items] } : { noWebhookResponse: true };
}

/** The secret the callback presented: in the configured header, else in the `secret` query parameter. */
function presentedSecret(context: IWebhookFunctions): string | undefined {
	const headerName =
		String(context.getNodeParameter('callbackHeaderName', DEFAULT_SECRET_HEADER) ?? '').trim() || DEFAULT_SECRET_HEADER;
	return (
		firstText(context.getHeaderData()[headerName.toLowerCase()]) ??
		firstText((context.getQueryData() as IDataObject)[SECRET_QUERY_PARAMETER])
	);
}

/** Version 2 cannot be activated (or listen for a test event) without a usable Shared Secret. */
function assertSecretConfigured(context: IHookFunctions): void {
	if (context.getNode().typeVersion < 2) return;
	const problem = secretProblem(context.getNodeParameter('sharedSecret', ''));
	if (problem === undefined) return;
	throw new NodeOperationError(
		context.getNode(),
		`Sender Trigger needs a Shared Secret: ${problem}. Set one of at least ${MIN_SECRET_LENGTH} random characters (for example the output of "openssl rand -hex 32") and give Sender the callback URL with "?${SECRET_QUERY_PARAMETER}=" and that secret.`,
		{ level: 'warning' },
	);
}

/** The normalised item for a parsed order (both versions). */
function statusItem(parsed: ParsedOrderStatus, options: CommonOptions, redact: <T>(value: T) => T): INodeExecutionData {
	const item: INodeExecutionData = {
		json: buildStatusItem({
			provider: SENDER_PROVIDER,
			orderId: parsed.orderId,
			mapped: mapStatus({
				raw: parsed.statusRaw,
				providerTable: parsed.providerTable,
				customMapping: options.customMapping,
			}),
			details: parsed.details,
			raw: options.includeRaw ? parsed.raw : undefined,
			redact,
		}),
	};
	if (parsed.binary) item.binary = parsed.binary;
	return item;
}

/** Keeps a callback status that differs from the API's in `details.callbackStatus` (a stale or forged one). */
function noteCallbackStatus(parsed: ParsedOrderStatus, callbackStatus: string | number | undefined): void {
	const apiStatus = parsed.statusRaw === null ? undefined : String(parsed.statusRaw);
	if (callbackStatus !== undefined && String(callbackStatus) !== apiStatus) {
		parsed.details.callbackStatus = callbackStatus;
	}
}

/** A 401 for a callback without the right shared secret (logged), or undefined when it carries it. */
function refuseWrongSecret(context: IWebhookFunctions, sharedSecret: string): IWebhookResponseData | undefined {
	const presented = presentedSecret(context);
	if (secretMatches(sharedSecret, presented)) return undefined;
	context.logger.warn('Sender Trigger refused a callback without the right shared secret', {
		secretPresented: presented !== undefined,
	});
	return refuse(context, 401, 'Unauthorized');
}

/** The callback's body and its order reference, or a 400 when it has no readable reference. */
function readCallback(
	context: IWebhookFunctions,
): { body: IDataObject; callback: ReturnType<typeof readSenderOrder>; reference: string } | { refused: IWebhookResponseData } {
	const body = context.getBodyData();
	const callback = readSenderOrder(body);
	try {
		return { body, callback, reference: readOrderReference(callback.reference) };
	} catch (error) {
		context.logger.warn(`Sender Trigger refused a callback: ${(error as Error).message}`);
		return { refused: refuse(context, 400, 'The callback has no readable order reference') };
	}
}

/** Version 1, unchanged: optional secret; answers 404 / 502 when the API cannot confirm; emits every callback. */
async function receiveV1(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const sharedSecret = String(context.getNodeParameter('sharedSecret', '') ?? '');
	if (sharedSecret !== '') {
		const refused = refuseWrongSecret(context, sharedSecret);
		if (refused) return refused;
	}

	const read = readCallback(context);
	if ('refused' in read) return read.refused;
	const { body, callback, reference } = read;

	const options = readTriggerOptions(context);
	const verify = context.getNodeParameter('verifyByRefetch', true) !== false;
	let parsed: ParsedOrderStatus;
	// Without verification no credential is read and nothing was sent: the callback's own body has none of its secrets.
	let redact = <T>(value: T): T => value;
	if (verify) {
		const { client, credentials } = await createProviderClient(context, SENDER_PROFILE, SENDER_SECRET_FIELDS, options);
		redact = (value) => client.redactDeep(value);
		try {
			parsed = await fetchSenderOrder(client, credentials, reference, context.helpers);
		} catch (error) {
			// Without the API's word the callback is unverified: emit nothing (a scheduled check catches up).
			const message = error instanceof Error ? error.message : String(error);
			context.logger.error(`Sender Trigger could not verify the callback for order "${reference}": ${message}`);
			const notFound = error instanceof ProviderError && error.details.httpCode === '404';
			return notFound
				? refuse(context, 404, 'Sender does not know this order reference')
				: refuse(context, 502, 'Could not verify the order with Sender');
		}
		// The API wins; a differing callback status is kept for the record (a stale or forged callback).
		noteCallbackStatus(parsed, callback.status);
	} else {
		if (callback.status === undefined) {
			context.logger.warn(`Sender Trigger refused a callback for order "${reference}" without a status`);
			return refuse(context, 400, 'The callback has no order status');
		}
		parsed = await toParsedOrderStatus(callback, reference, body, context.helpers);
	}
	parsed.details.verified = verify;
	return { workflowData: [[statusItem(parsed, options, redact)]] };
}

/**
 * Version 2: no secret configured or presented → 401; an unreadable callback → 400; every other callback → 200
 * `{ received: true }`, whether it was emitted, a repeat, unknown to Sender, unverifiable or over the rate bound
 * (what happened is logged), so the answer says nothing about which references exist.
 */
async function receiveV2(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const sharedSecret = String(context.getNodeParameter('sharedSecret', '') ?? '');
	const problem = secretProblem(sharedSecret);
	if (problem !== undefined) {
		context.logger.error(`Sender Trigger refused a callback: ${problem}, so no callback can be authenticated`);
		return refuse(context, 401, 'Unauthorized');
	}
	const refused = refuseWrongSecret(context, sharedSecret);
	if (refused) return refused;

	const read = readCallback(context);
	if ('refused' in read) return read.refused;
	const { body, callback, reference } = read;

	const options = readTriggerOptions(context);
	const node = context.getNode();
	const guard = new CallbackGuard(
		`${context.getWorkflow().id ?? ''}\u0000${node.id ?? node.name}`,
		context.getWorkflowStaticData('node'),
		{
			replayWindowMs: boundedNumber(options.all.replayWindowHours, DEFAULT_REPLAY_WINDOW_HOURS, 0, 720) * 3_600_000,
			maxVerificationsPerMinute: Math.floor(
				boundedNumber(options.all.maxVerificationsPerMinute, DEFAULT_MAX_VERIFICATIONS_PER_MINUTE, 1, 1000),
			),
		},
	);
	if (callback.status !== undefined && guard.wasEmitted(callbackKey(reference, callback.status))) {
		context.logger.info(
			`Sender Trigger acknowledged a repeated callback for order "${reference}": this status was already emitted`,
		);
		return acknowledge(context);
	}

	const verify = context.getNodeParameter('verifyByRefetch', true) !== false;
	let parsed: ParsedOrderStatus;
	let redact = <T>(value: T): T => value;
	if (verify) {
		if (!guard.takeVerification()) {
			context.logger.warn(
				`Sender Trigger acknowledged the callback for order "${reference}" without verifying or emitting it: more than ${guard.maxVerificationsPerMinute} verifications in the last minute (raise "Max Verifications per Minute" if Sender really calls back this often)`,
			);
			return acknowledge(context);
		}
		const { client, credentials } = await createProviderClient(context, SENDER_PROFILE, SENDER_SECRET_FIELDS, options);
		redact = (value) => client.redactDeep(value);
		try {
			parsed = await fetchSenderOrder(client, credentials, reference, context.helpers);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			if (error instanceof ProviderError && error.details.httpCode === '404') {
				context.logger.warn(`Sender Trigger emitted nothing for order "${reference}": Sender does not know it (${message})`);
			} else {
				context.logger.error(`Sender Trigger could not verify the callback for order "${reference}": ${message}`);
			}
			return acknowledge(context);
		}
		noteCallbackStatus(parsed, callback.status);
	} else {
		if (callback.status === undefined) {
			context.logger.warn(`Sender Trigger refused a callback for order "${reference}" without a status`);
			return refuse(context, 400, 'The callback has no order status');
		}
		parsed = await toParsedOrderStatus(callback, reference, body, context.helpers);
	}
	parsed.details.verified = verify;

	// Checked and remembered with no await in between: of two copies in flight in this process, one is emitted.
	const emittedKey = callbackKey(reference, parsed.statusRaw);
	if (guard.wasEmitted(emittedKey)) {
		context.logger.info(
			`Sender Trigger acknowledged a repeated callback for order "${reference}": status "${String(parsed.statusRaw)}" was already emitted`,
		);
		return acknowledge(context);
	}
	guard.remember(emittedKey);
	return acknowledge(context, [statusItem(parsed, options, redact)]);
}

export class SenderTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sender Trigger',
		name: 'senderTrigger',
		icon: { light: 'file:../../icons/sender.svg', dark: 'file:../../icons/sender.dark.svg' },
		group: ['trigger'],
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{$parameter["verifyByRefetch"] === false ? "Callbacks as sent" : "Verified callbacks"}}',
		// n8n's node creator shows one entry for this trigger and the Sender node, with the trigger's description: it
		// speaks for both.
		description:
			'Get the status, label and tracking number of Sender orders as one normalised status, or start a workflow when Sender calls back',
		documentationUrl: 'https://github.com/n8n-nodes-order-status/n8n-nodes-order-status/blob/main/docs/nodes/sender-trigger.md',
		defaults: { name: 'Sender Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [
			{
				name: 'senderApi',
				required: true,
				displayOptions: { show: { verifyByRefetch: [true] } },
			},
		],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'sender' }],
		properties: [
			{
				displayName:
					'Give this node\'s Production URL as the callback URL when you place an order with Sender. Sender calls it once per order (accepted or cancelled) and never again: pair this trigger with a scheduled Sender "Get by Reference" check for later changes.',
				name: 'callbackNotice',
				type: 'notice',
				default: '',
				displayOptions: V1,
			},
			{
				displayName:
					'This version of the node is outdated: without a Shared Secret anyone who knows the URL can start this workflow. Add a new Sender Trigger node (version 2) for required secrets, one answer for every order and no repeated callbacks.',
				name: 'upgradeNotice',
				type: 'notice',
				default: '',
				displayOptions: V1,
			},
			{
				displayName:
					'When you place an order with Sender, give it this node\'s Production URL followed by <code>?secret=</code> and the Shared Secret below as the callback URL (or send the secret in the header named below). Sender calls back once per order (accepted or cancelled) and never again: pair this trigger with a scheduled Sender "Get by Reference" check for later changes.',
				name: 'callbackNoticeV2',
				type: 'notice',
				default: '',
				displayOptions: V2,
			},
			{
				displayName: 'Shared Secret',
				name: 'sharedSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'If set, a callback must carry this value in the header below or in the "secret" query parameter of the callback URL; others are refused with 401',
				displayOptions: V1,
			},
			{
				displayName: 'Shared Secret',
				name: 'sharedSecret',
				type: 'string',
				typeOptions: { password: true },
				required: true,
				default: '',
				placeholder: 'e.g. the output of: openssl rand -hex 32',
				hint: `At least ${MIN_SECRET_LENGTH} random characters. The trigger cannot be activated without it.`,
				description:
					'Every callback must carry this value in the header below or in the "secret" query parameter of the callback URL; others are refused with 401',
				displayOptions: V2,
			},
			{
				displayName: 'Secret Header Name',
				name: 'callbackHeaderName',
				type: 'string',
				default: DEFAULT_SECRET_HEADER,
				description: 'The header that carries the shared secret',
			},
			{
				displayName: 'Verify by Re-Fetching the Order',
				name: 'verifyByRefetch',
				type: 'boolean',
				default: true,
				description:
					"Whether to ask Sender's API for the order named in the callback and emit what the API says. Sender does not sign callbacks, so this stops a forged callback from injecting a status.",
			},
			{ ...triggerOptions(), displayOptions: V1 },
			{ ...triggerOptions(V2_OPTION_FIELDS), displayOptions: V2 },
		],
	};

	// Sender takes the callback URL with each order (Place Order), and has no API to register, list or remove
	// callbacks. So there is nothing to create or delete at Sender: the user copies this node's URL into their
	// Place Order request. The methods exist, say so in the log, and report the "webhook" as always present.
	// Version 2 refuses to activate without a usable Shared Secret: n8n shows the error when activating.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				assertSecretConfigured(this);
				this.logger.debug('Sender Trigger: callbacks are set per order, nothing to look up at Sender', {
					webhookUrl: this.getNodeWebhookUrl('default'),
				});
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
				assertSecretConfigured(this);
				this.logger.debug('Sender Trigger: callbacks are set per order, nothing to register at Sender', {
					webhookUrl: this.getNodeWebhookUrl('default'),
				});
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				this.logger.debug('Sender Trigger: callbacks are set per order, nothing to remove at Sender');
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return this.getNode().typeVersion >= 2 ? await receiveV2(this) : await receiveV1(this);
	}
}
