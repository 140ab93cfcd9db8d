/** Metadata that also drives the admin form for this connector. */
export const smtpMetadata = {
  id: 'smtp',
  name: 'SMTP email',
  description: 'Sends reset links and status updates to requesters by email.',
  configFields: [
    { key: 'url', env: 'SMTP_URL', label: 'SMTP URL', secret: true, example: 'smtp://user:pass@smtp.example.com:587' },
    { key: 'from', env: 'MAIL_FROM', label: 'From address', secret: false, example: 'IT Support <it-support@example.com>' },
  ],
} as const;
