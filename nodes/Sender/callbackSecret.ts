import { timingSafeEqual } from 'crypto';

/** The header that carries the trigger's shared secret unless the user names another. */
export const DEFAULT_SECRET_HEADER = 'X-Sender-Secret';
/** The query parameter that may carry the secret instead (for callback URLs that cannot set headers). */
export const SECRET_QUERY_PARAMETER = 'secret';

/** The first text value of a header or query parameter (both may repeat). */
export function firstText(value: unknown): string | undefined {
	const first = Array.isArray(value) ? (value as unknown[])[0] : value;
	return typeof first === 'string' ? first : undefined;
}

/**
 * Whether the secret a callback presented is the configured one. Constant time for equal lengths, so the
 * answer time does not reveal how much of a guess was right; a different length is refused at once.
 */
export function secretMatches(expected: string, presented: string | undefined): boolean {
	if (presented === undefined) return false;
	const expectedBytes = Buffer.from(expected, 'utf8');
	const presentedBytes = Buffer.from(presented, 'utf8');
	if (expectedBytes.length !== presentedBytes.length) return false;
	return timingSafeEqual(expectedBytes, presentedBytes);
}

/** The shortest Shared Secret version 2 of the trigger accepts (a generated one is 64 characters). */
export const MIN_SECRET_LENGTH = 16;

/**
 * Why a configured Shared Secret cannot protect the trigger (version 2), or undefined when it can: it must be set
 * and have at least `MIN_SECRET_LENGTH` characters besides surrounding spaces.
 */
export function secretProblem(secret: unknown): string | undefined {
	const text = typeof secret === 'string' ? secret.trim() : '';
	if (text === '') return 'no Shared Secret is set';
	if (text.length < MIN_SECRET_LENGTH) {
		return `the Shared Secret has ${text.length} characters, fewer than the ${MIN_SECRET_LENGTH} required`;
	}
	return undefined;
}
