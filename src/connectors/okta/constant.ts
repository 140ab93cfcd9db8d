/**
 * What the admin pages show about the Okta connector; `configFields` drives the config form,
 * so its keys mirror `oktaConfigGuard` (dotted paths for nested fields).
 */
import { DEFAULT_OKTA_SCOPES } from './types.js';

/** One field of a connector's admin form. */
export interface ConnectorConfigField {
  key: string;
  label: string;
  type: 'text' | 'secret' | 'multiline-secret' | 'number' | 'select' | 'list';
  required: boolean;
  description?: string;
  placeholder?: string;
  defaultValue?: string | number | readonly string[];
  options?: readonly { value: string; label: string }[];
  /** Shown only when another field has this value (e.g. auth kind). */
  showWhen?: { key: string; equals: string };
}

export interface ConnectorMetadata {
  id: string;
  name: string;
  description: string;
  configFields: readonly ConnectorConfigField[];
}

const whenJwt = { key: 'auth.kind', equals: 'private_key_jwt' } as const;

export const oktaMetadata = {
  id: 'okta',
  name: 'Okta',
  description:
    'Looks requesters up in Okta (status, app assignment, admin roles, groups, MFA factors) ' +
    'and triggers Okta password resets, through the Okta Management API.',
  configFields: [
    {
      key: 'orgUrl',
      label: 'Okta org URL',
      type: 'text',
      required: true,
      placeholder: 'https://example.okta.com',
      description: 'The org (not the admin) URL. http:// is accepted for a loopback sandbox only.',
    },
    {
      key: 'auth.kind',
      label: 'Authentication',
      type: 'select',
      required: true,
      defaultValue: 'private_key_jwt',
      options: [
        { value: 'private_key_jwt', label: 'OAuth 2.0 service app (private_key_jwt) — recommended' },
        { value: 'ssws', label: 'API token (SSWS)' },
      ],
    },
    {
      key: 'auth.token',
      label: 'API token',
      type: 'secret',
      required: true,
      showWhen: { key: 'auth.kind', equals: 'ssws' },
      description: 'Acts with the permissions of the admin who created it.',
    },
    { key: 'auth.clientId', label: 'Client ID', type: 'text', required: true, showWhen: whenJwt },
    {
      key: 'auth.privateKeyPem',
      label: 'Private key (PEM)',
      type: 'multiline-secret',
      required: true,
      showWhen: whenJwt,
      description: 'RSA key whose public half is registered on the service app; signs RS256.',
    },
    { key: 'auth.keyId', label: 'Key ID (kid)', type: 'text', required: false, showWhen: whenJwt },
    {
      key: 'auth.scopes',
      label: 'Scopes',
      type: 'list',
      required: false,
      showWhen: whenJwt,
      defaultValue: DEFAULT_OKTA_SCOPES,
    },
    { key: 'timeoutMs', label: 'Timeout per attempt (ms)', type: 'number', required: false, defaultValue: 10_000 },
    { key: 'maxRetries', label: 'Retries', type: 'number', required: false, defaultValue: 4 },
    {
      key: 'appCacheTtlMs',
      label: 'App cache lifetime (ms)',
      type: 'number',
      required: false,
      defaultValue: 300_000,
    },
    { key: 'userAgent', label: 'User-Agent', type: 'text', required: false, placeholder: 'resetdesk/<version>' },
  ],
} as const satisfies ConnectorMetadata;
