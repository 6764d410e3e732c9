/** Reading and checking the order identifiers users give (usually through expressions). */

/** Longer than any provider's identifier; a 10,000-character value is a mistake, not an order. */
export const MAX_IDENTIFIER_LENGTH = 256;

// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;
/** Half of a UTF-16 pair without its other half: no valid text, and URL encoding would swap it for U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/**
 * Characters that separate or escape parts of a URL. Encoded, they stay inside one path segment for a URL parser,
 * but a gateway that decodes `%2F` or `%5C` before routing (or decodes twice: `%252F`) would send the request
 * elsewhere. The ids that go into a path are assigned by the providers and never contain them.
 */
const URL_SEPARATORS = /[/\\?#%]/;

/** Thrown for an identifier that must not reach the provider; the node turns it into an item error. */
export class InvalidIdentifierError extends Error {}

function describeType(value: unknown): string {
	if (value === null) return 'null';
	if (Array.isArray(value)) return 'a list';
	return typeof value === 'object' ? 'an object' : typeof value;
}

/**
 * Turns a parameter value into a trimmed identifier, or throws `InvalidIdentifierError` with a message a user
 * can act on. Numbers are accepted as their text (ids often come from numeric JSON fields).
 */
export function normaliseIdentifier(value: unknown, label: string): string {
	let text: string;
	if (typeof value === 'string') {
		text = value.trim();
	} else if (typeof value === 'number' && Number.isFinite(value)) {
		text = String(value);
	} else if (value === undefined || value === null || value === '') {
		throw new InvalidIdentifierError(`${label} is empty`);
	} else {
		throw new InvalidIdentifierError(`${label} must be text or a number, but the expression gave ${describeType(value)}`);
	}
	if (text === '') throw new InvalidIdentifierError(`${label} is empty`);
	if (text.length > MAX_IDENTIFIER_LENGTH) {
		throw new InvalidIdentifierError(
			`${label} is ${text.length} characters long; identifiers longer than ${MAX_IDENTIFIER_LENGTH} are refused`,
		);
	}
	if (CONTROL_CHARACTERS.test(text)) {
		throw new InvalidIdentifierError(`${label} contains control characters (such as a line break)`);
	}
	if (LONE_SURROGATE.test(text)) {
		throw new InvalidIdentifierError(`${label} contains an invalid character (half of an emoji or other symbol)`);
	}
	return text;
}

/**
 * Encodes an identifier as ONE path segment. `/`, `\`, `?`, `#` and `%` are refused outright (see
 * URL_SEPARATORS), and so are `.` and `..`, which URL parsers resolve as relative paths; whatever else is
 * percent-encoded.
 */
export function encodePathSegment(identifier: string, label: string): string {
	if (/^\.+$/.test(identifier)) {
		throw new InvalidIdentifierError(`${label} "${identifier}" is not a valid identifier`);
	}
	if (URL_SEPARATORS.test(identifier)) {
		throw new InvalidIdentifierError(
			`${label} "${identifier.slice(0, 60)}" contains /, \\, ?, # or %, which no ${label} has; no request was sent`,
		);
	}
	if (LONE_SURROGATE.test(identifier)) {
		throw new InvalidIdentifierError(`${label} contains an invalid character (half of an emoji or other symbol)`);
	}
	return encodeURIComponent(identifier);
}

/** A whole positive integer (e.g. Altcraft's internal order id), from text or a number. */
export function parsePositiveInteger(identifier: string, label: string): number {
	if (!/^\d{1,15}$/.test(identifier) || Number(identifier) < 1) {
		throw new InvalidIdentifierError(`${label} must be a whole positive number, but it is "${identifier}"`);
	}
	return Number(identifier);
}
