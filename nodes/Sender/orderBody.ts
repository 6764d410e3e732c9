import type { IDataObject } from 'n8n-workflow';

/**
 * Reading a Sender order body: the Get Order answer and the callback payload, which Sender says mirror each
 * other. No response example is public, so every field name here is a guess to verify with a sandbox key
 * (see docs/provider-apis.md). Pure functions only; the request lives in api.ts.
 */

function isObject(value: unknown): value is IDataObject {
	return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `tracking_number` → `trackingNumber`. */
function camelCaseOf(snakeName: string): string {
	return snakeName.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

/**
 * One field of an order body, whatever its naming: `tracking_number` or `trackingNumber`, nested under `data`
 * (a Laravel API resource wraps its object there, so `data` wins over an envelope's own `status`) or at the top
 * level. `null` counts as absent.
 */
export function readField(body: unknown, snakeName: string): unknown {
	if (!isObject(body)) return undefined;
	const containers = isObject(body.data) ? [body.data, body] : [body];
	const names = [snakeName, camelCaseOf(snakeName)];
	for (const container of containers) {
		for (const name of names) {
			const value = container[name];
			if (value !== undefined && value !== null) return value;
		}
	}
	return undefined;
}

/** A field as text: a non-empty trimmed string, or a number as its text. */
export function readText(body: unknown, snakeName: string): string | undefined {
	const value = readField(body, snakeName);
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value !== 'string') return undefined;
	const text = value.trim();
	return text === '' ? undefined : text;
}

/** A field for `details`: text as text, other JSON values (an object of pickup times, say) as given. */
function readDetail(body: unknown, snakeName: string): IDataObject[string] | undefined {
	const value = readField(body, snakeName);
	if (typeof value === 'string') return value.trim() === '' ? undefined : value.trim();
	return value as IDataObject[string] | undefined;
}

const URL_PATTERN = /^https?:\/\/\S+$/i;
const DATA_URI_PREFIX = /^data:[^,;]*;base64,/i;
const BASE64_PATTERN = /^[A-Za-z0-9+/]+={0,2}$/;

/** A label value is a link to download, or the file itself as base64 (a data: URI is unwrapped). */
function classifyLabel(value: string | undefined): { url?: string; content?: string } {
	if (value === undefined) return {};
	if (URL_PATTERN.test(value)) return { url: value };
	const base64 = value.replace(DATA_URI_PREFIX, '').replace(/\s+/g, '');
	if (base64.length >= 4 && base64.length % 4 === 0 && BASE64_PATTERN.test(base64)) return { content: base64 };
	return {};
}

export interface SenderOrder {
	/** `order_reference` (or `reference`): the id Place Order returned. */
	reference?: string;
	/** `status` as sent (text or a number), undefined when absent. */
	status?: string | number;
	/** The label as a link. */
	labelUrl?: string;
	/** The label file itself, base64 (never copied into `details`: it can be large). */
	labelContent?: string;
	details: IDataObject;
}

/**
 * Reads the fields the node uses. The label may come as `label_url`, `label_base64` or a plain `label` holding
 * either; `labelReady` is false until a label exists (Sender adds it shortly after accepting the order), which
 * is a normal state, not an error.
 */
export function readSenderOrder(body: unknown): SenderOrder {
	const statusValue = readField(body, 'status');
	const status =
		typeof statusValue === 'string' ? statusValue : typeof statusValue === 'number' ? statusValue : undefined;
	const fromUrlField = classifyLabel(readText(body, 'label_url'));
	const fromContentField = classifyLabel(readText(body, 'label_base64'));
	const fromLabelField = classifyLabel(readText(body, 'label'));
	const labelUrl = fromUrlField.url ?? fromLabelField.url ?? fromContentField.url;
	const labelContent = fromContentField.content ?? fromLabelField.content ?? fromUrlField.content;
	return {
		reference: readText(body, 'order_reference') ?? readText(body, 'reference'),
		status,
		labelUrl,
		labelContent,
		details: {
			trackingNumber: readText(body, 'tracking_number'),
			labelUrl,
			labelReady: labelUrl !== undefined || labelContent !== undefined,
			carrier: readDetail(body, 'carrier') ?? readDetail(body, 'carrier_code'),
			pickupArrivalTime: readDetail(body, 'pickup_arrival_time'),
			statusMessage: readText(body, 'status_message'),
			deliveryType: readText(body, 'delivery_type'),
			parcelLockerCode: readText(body, 'parcel_locker_code'),
		},
	};
}

/** A file name for the label that no file system or download header chokes on. */
export function labelFileName(reference: string, extension: string): string {
	const safe = reference.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');
	return `${safe || 'label'}.${extension}`;
}
