import {
	NodeConnectionTypes,
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
import { DEFAULT_SECRET_HEADER, firstText, SECRET_QUERY_PARAMETER, secretMatches } from './callbackSecret';
import { readSenderOrder } from './orderBody';

/** The common options that make sense for one callback (one request: no concurrency). */
function triggerOptions(): INodeProperties {
	const collection = optionsCollection();
	collection.options = (collection.options ?? []).filter(
		(option) => !('name' in option) || option.name !== 'maxConcurrency',
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

/** Answers the caller and emits nothing. */
function refuse(context: IWebhookFunctions, httpStatus: number, message: string): IWebhookResponseData {
	context.getResponseObject().status(httpStatus).json({ message });
	return { noWebhookResponse: true };
}

export class SenderTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Sender Trigger',
		name: 'senderTrigger',
		icon: { light: 'file:../../icons/sender.svg', dark: 'file:../../icons/sender.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{$parameter["verifyByRefetch"] === false ? "Callbacks as sent" : "Verified callbacks"}}',
		description: "Starts the workflow when Sender calls back about a placed order, with the order's normalised status",
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
			},
			{
				displayName: 'Shared Secret',
				name: 'sharedSecret',
				type: 'string',
				typeOptions: { password: true },
				default: '',
				description:
					'If set, a callback must carry this value in the header below or in the "secret" query parameter of the callback URL; others are refused with 401',
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
			triggerOptions(),
		],
	};

	// Sender takes the callback URL with each order (Place Order), and has no API to register, list or remove
	// callbacks. So there is nothing to create or delete at Sender: the user copies this node's URL into their
	// Place Order request. The methods exist, say so in the log, and report the "webhook" as always present.
	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				this.logger.debug('Sender Trigger: callbacks are set per order, nothing to look up at Sender', {
					webhookUrl: this.getNodeWebhookUrl('default'),
				});
				return true;
			},
			async create(this: IHookFunctions): Promise<boolean> {
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
		const sharedSecret = String(this.getNodeParameter('sharedSecret', '') ?? '');
		if (sharedSecret !== '') {
			const headerName =
				String(this.getNodeParameter('callbackHeaderName', DEFAULT_SECRET_HEADER) ?? '').trim() ||
				DEFAULT_SECRET_HEADER;
			const presented =
				firstText(this.getHeaderData()[headerName.toLowerCase()]) ??
				firstText((this.getQueryData() as IDataObject)[SECRET_QUERY_PARAMETER]);
			if (!secretMatches(sharedSecret, presented)) {
				this.logger.warn('Sender Trigger refused a callback without the right shared secret', {
					secretPresented: presented !== undefined,
				});
				return refuse(this, 401, 'Unauthorized');
			}
		}

		const body = this.getBodyData();
		const callback = readSenderOrder(body);
		let reference: string;
		try {
			reference = readOrderReference(callback.reference);
		} catch (error) {
			this.logger.warn(`Sender Trigger refused a callback: ${(error as Error).message}`);
			return refuse(this, 400, 'The callback has no readable order reference');
		}

		const options = readTriggerOptions(this);
		const verify = this.getNodeParameter('verifyByRefetch', true) !== false;
		let parsed: ParsedOrderStatus;
		// Without verification no credential is read and nothing was sent: the callback's own body has none of its secrets.
		let redact = <T>(value: T): T => value;
		if (verify) {
			const { client, credentials } = await createProviderClient(this, SENDER_PROFILE, SENDER_SECRET_FIELDS, options);
			redact = (value) => client.redactDeep(value);
			try {
				parsed = await fetchSenderOrder(client, credentials, reference, this.helpers);
			} catch (error) {
				// Without the API's word the callback is unverified: emit nothing (a scheduled check catches up).
				const message = error instanceof Error ? error.message : String(error);
				this.logger.error(`Sender Trigger could not verify the callback for order "${reference}": ${message}`);
				const notFound = error instanceof ProviderError && error.details.httpCode === '404';
				return notFound
					? refuse(this, 404, 'Sender does not know this order reference')
					: refuse(this, 502, 'Could not verify the order with Sender');
			}
			// The API wins; a differing callback status is kept for the record (a stale or forged callback).
			const apiStatus = parsed.statusRaw === null ? undefined : String(parsed.statusRaw);
			if (callback.status !== undefined && String(callback.status) !== apiStatus) {
				parsed.details.callbackStatus = callback.status;
			}
		} else {
			if (callback.status === undefined) {
				this.logger.warn(`Sender Trigger refused a callback for order "${reference}" without a status`);
				return refuse(this, 400, 'The callback has no order status');
			}
			parsed = await toParsedOrderStatus(callback, reference, body, this.helpers);
		}
		parsed.details.verified = verify;

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
		return { workflowData: [[item]] };
	}
}
