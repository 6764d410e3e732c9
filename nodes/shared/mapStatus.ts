import { matchKeywordRules } from './keywordRules';
import type { NormalisedStatus, ProviderStatusTable, StatusSource } from './statusModel';

export interface StatusMappingInput {
	/** The provider's value as received (a number is read as its text). */
	raw: string | number | null | undefined;
	/** The provider's exact table for this field. */
	providerTable?: ProviderStatusTable;
	/** A provider fact that decides the status whatever the value says (e.g. Pitney Bowes `isOnHold`). */
	override?: NormalisedStatus;
	/** The user's own mapping (raw value → status); always wins. */
	customMapping?: ReadonlyMap<string, NormalisedStatus>;
}

export interface MappedStatus {
	status: NormalisedStatus;
	statusSource: StatusSource;
	/** The raw value, kept as received (null when the provider sent none). */
	statusRaw: string | null;
}

/** Table keys compare case-insensitively after trimming. */
export function normaliseKey(value: string): string {
	return value.trim().toLowerCase();
}

function lookup(table: ProviderStatusTable, key: string): NormalisedStatus | undefined {
	for (const [raw, status] of Object.entries(table)) {
		if (normaliseKey(raw) === key) return status;
	}
	return undefined;
}

/**
 * Maps a raw provider value to the normalised vocabulary, in the order of status-model.md §2:
 * custom mapping → provider table → provider override → keyword rules → unknown. Never throws.
 */
export function mapStatus(input: StatusMappingInput): MappedStatus {
	const statusRaw =
		input.raw === null || input.raw === undefined ? null : typeof input.raw === 'number' ? String(input.raw) : input.raw;
	const key = statusRaw === null ? '' : normaliseKey(statusRaw);

	if (key && input.customMapping?.has(key)) {
		return { status: input.customMapping.get(key)!, statusSource: 'custom', statusRaw };
	}
	const fromTable = key && input.providerTable ? lookup(input.providerTable, key) : undefined;
	if (fromTable) return { status: fromTable, statusSource: 'provider', statusRaw };
	if (input.override) return { status: input.override, statusSource: 'provider', statusRaw };
	const fromKeywords = statusRaw === null ? undefined : matchKeywordRules(statusRaw);
	if (fromKeywords) return { status: fromKeywords, statusSource: 'keyword', statusRaw };
	return { status: 'unknown', statusSource: 'unknown', statusRaw };
}
