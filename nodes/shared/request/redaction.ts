/**
 * Keeps known secrets (a credential's secret fields and the tokens obtained with them) out of everything a user
 * or a log may see: messages, descriptions, and output items (`raw` and `details` included). A provider can echo
 * a secret in any of the forms it travelled in, so each value is also searched for URL-encoded (path or query),
 * form-encoded, JSON-escaped, in base64 and, for every pair of values, as the base64 of an HTTP Basic
 * `key:secret`. Every length counts: a short secret is still a secret, and a mangled word is the lesser harm.
 */

export const REDACTED = '[redacted]';

/** The spellings in which `value` may travel and come back. */
function spellingsOf(value: string): string[] {
	const spellings = [
		value,
		encodeURIComponent(value),
		new URLSearchParams({ v: value }).toString().slice(2),
		JSON.stringify(value).slice(1, -1),
		Buffer.from(value).toString('base64'),
	];
	return spellings.filter((spelling) => spelling !== '');
}

export class Redactor {
	private values: string[] = [];
	/** Every spelling to replace, longest first (so a spelling inside another does not break the longer one). */
	private spellings: string[] = [];
	/** The shortest spelling's length: a shorter text holds none of them (most values in an answer are short). */
	private shortest = Infinity;

	constructor(values: readonly string[] = []) {
		this.add(values);
	}

	/** The plain values kept out of messages and items. */
	get secretValues(): readonly string[] {
		return this.values;
	}

	/** Adds values (e.g. a token obtained during the run); returns those that were new. */
	add(values: readonly string[]): string[] {
		const fresh = values.filter((value) => typeof value === 'string' && value !== '' && !this.values.includes(value));
		if (fresh.length === 0) return [];
		this.values = [...this.values, ...fresh];
		const spellings = new Set<string>();
		for (const value of this.values) for (const spelling of spellingsOf(value)) spellings.add(spelling);
		for (const key of this.values) {
			for (const secret of this.values) {
				if (key !== secret) spellings.add(Buffer.from(`${key}:${secret}`).toString('base64'));
			}
		}
		this.spellings = [...spellings].sort((a, b) => b.length - a.length);
		this.shortest = this.spellings.length > 0 ? this.spellings[this.spellings.length - 1].length : Infinity;
		return fresh;
	}

	redact(text: string): string {
		if (text.length < this.shortest) return text;
		let result = text;
		for (const spelling of this.spellings) {
			if (result.includes(spelling)) result = result.split(spelling).join(REDACTED);
		}
		return result;
	}

	/** A copy of a JSON-like value with every string (keys too) redacted. */
	redactDeep<T>(value: T): T {
		return this.spellings.length === 0 ? value : (this.walk(value, 0) as T);
	}

	private walk(value: unknown, depth: number): unknown {
		if (typeof value === 'string') return this.redact(value);
		if (depth > 64 || value === null || typeof value !== 'object') return value;
		if (Array.isArray(value)) return value.map((entry) => this.walk(entry, depth + 1));
		if (Buffer.isBuffer(value) || value instanceof Date) return value;
		const copy: Record<string, unknown> = {};
		for (const [key, entry] of Object.entries(value)) copy[this.redact(key)] = this.walk(entry, depth + 1);
		return copy;
	}
}

/** Replaces every secret value in a text, in every spelling (see `Redactor`). */
export function redactSecrets(text: string, secrets: readonly string[]): string {
	return new Redactor(secrets).redact(text);
}
