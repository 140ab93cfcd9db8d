import { Drawer } from '@mantine/core';
import type { ReactNode } from 'react';
import { t } from '../i18n/translate';

/**
 * The review panel as a bottom sheet on phones. Built from Drawer's parts so its header is not a
 * second page banner next to the app's own.
 */
export function ReviewDrawer({ opened, onClose, children }: { opened: boolean; onClose: () => void; children: ReactNode }) {
  return (
    <Drawer.Root opened={opened} onClose={onClose} position="bottom" size="92%">
      <Drawer.Overlay />
      <Drawer.Content>
        <Drawer.Header role="none">
          <Drawer.Title>{t('queue.panelLabel')}</Drawer.Title>
          <Drawer.CloseButton aria-label={t('action.close')} />
        </Drawer.Header>
        <Drawer.Body>{children}</Drawer.Body>
      </Drawer.Content>
    </Drawer.Root>
  );
}
