import { NodeApiError, NodeOperationError, type INode, type JsonObject } from 'n8n-workflow';

import { InvalidIdentifierError } from './identifier';
import { ProviderError, redactSecrets } from './providerClient';

export type NodeItemError = NodeApiError | NodeOperationError;

/**
 * Turns a failure into the n8n error that names the item (when there is one: a trigger's poll has none);
 * nothing secret survives.
 */
export function toNodeError(
	node: INode,
	error: unknown,
	itemIndex: number | undefined,
	secrets: readonly string[],
): NodeItemError {
	if (error instanceof ProviderError) {
		const { httpCode, providerCode, description } = error.details;
		const response: JsonObject = { message: error.message };
		if (httpCode) response.httpCode = httpCode;
		if (providerCode) response.providerCode = providerCode;
		const nodeError = new NodeApiError(node, response, {
			message: error.message,
			description,
			httpCode,
			itemIndex,
		});
		// NodeApiError replaces any message that mentions a network error name (ECONNRESET, ETIMEDOUT, ...) with a
		// generic "connection" text; an order id or a credential's message may contain one. Ours is already clear.
		nodeError.message = error.message;
		return nodeError;
	}
	if (error instanceof InvalidIdentifierError) {
		return new NodeOperationError(node, error.message, {
			itemIndex,
			description: 'No request was sent for this item. Check the value or expression of the identifier.',
		});
	}
	if (error instanceof NodeApiError || error instanceof NodeOperationError) {
		if (itemIndex !== undefined) error.context.itemIndex = itemIndex;
		error.message = redactSecrets(error.message, secrets);
		if (error.description) error.description = redactSecrets(error.description, secrets);
		return error;
	}
	const message = error instanceof Error ? error.message : String(error);
	return new NodeOperationError(node, redactSecrets(message, secrets), { itemIndex });
}

/**
 * The `error` object of an error item (a failed lookup is not a status): `httpCode` is the HTTP status of the
 * provider's answer (null when there was none: bad input, time-out, dropped connection), `providerCode` the
 * provider's own error code from the body (null when it sent none). They differ where a provider reports errors
 * inside a 200 answer: Altcraft's "order not found" is `httpCode` "200" with `providerCode` "404".
 */
export function errorSummary(error: NodeItemError): JsonObject {
	const summary: JsonObject = { message: error.message };
	if (error.description) summary.description = error.description;
	const httpCode = error instanceof NodeApiError ? error.httpCode : null;
	summary.httpCode = httpCode ?? null;
	const cause = (error as { errorResponse?: JsonObject }).errorResponse;
	summary.providerCode = (cause?.providerCode as string | undefined) ?? null;
	return summary;
}
