/**
 * Secrets as they can appear in what a provider echoes or a client writes: plain, URL-encoded, form-encoded,
 * JSON-escaped (issue 7: a secret must stay out of output, messages and logs in every one of them, short
 * secrets too). Basic values (`base64(key:secret)`) are listed by the targets as secrets of their own.
 */
/** The forms a secret can take in what a provider echoes or a client writes. */
export function secretForms(secret: string): Array<{ form: string; text: string }> {
	const json = JSON.stringify(secret).slice(1, -1);
	const forms = [
		{ form: 'plain', text: secret },
		{ form: 'URL-encoded', text: encodeURIComponent(secret) },
		{ form: 'form-encoded', text: new URLSearchParams({ x: secret }).toString().slice(2) },
		{ form: 'JSON-escaped', text: json },
		{ form: 'JSON-escaped with \\/', text: json.replace(/\//g, '\\/') },
	];
	const seen = new Set<string>();
	return forms.filter(({ text }) => text.length >= 3 && !seen.has(text) && (seen.add(text), true));
}

/** Base64 of `user:secret` as an `Authorization: Basic` header carries it. */
export const basicOf = (user: string, secret: string) => Buffer.from(`${user}:${secret}`).toString('base64');

export interface Finding {
	/** What the secret is (e.g. "pplClientSecret", "PPL access token"), or its first characters. */
	secret: string;
	form: string;
	where: string;
}

const shorten = (secret: string) => (secret.length <= 6 ? `${secret.slice(0, 2)}…(${secret.length})` : `${secret.slice(0, 6)}…`);

/** Every (secret, form) found in the texts, with where it was found. */
export function findSecrets(
	texts: Array<{ where: string; text: string }>,
	secrets: readonly string[],
	nameOf: (secret: string) => string | undefined = () => undefined,
): Finding[] {
	const findings: Finding[] = [];
	for (const secret of new Set(secrets)) {
		if (secret.length < 3) continue;
		for (const { form, text: needle } of secretForms(secret)) {
			const hit = texts.find(({ text }) => text.includes(needle));
			if (hit) findings.push({ secret: nameOf(secret) ?? shorten(secret), form, where: hit.where });
		}
	}
	return findings;
}

