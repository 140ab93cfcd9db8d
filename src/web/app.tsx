import { lazy, Suspense } from 'react';
import { Navigate, Route, Routes } from 'react-router';
import { AppsAdminPage } from './admin/apps-admin-page';
import { ConnectorsAdminPage } from './admin/connectors-admin-page';
import { DecisionsAdminPage } from './admin/decisions-admin-page';
import { MailboxAdminPage } from './admin/mailbox-admin-page';
import { TokensAdminPage } from './admin/tokens-admin-page';
import { NotFoundPage } from './components/not-found-page';
import { AppLayout } from './layout/app-layout';
import { PolicyPage } from './policy/policy-page';
import { ReviewQueuePage } from './queue/review-queue-page';
import { MyRequestsPage } from './requests/my-requests-page';
import { NewRequestPage } from './requests/new-request-page';
import { RequestDetailPage } from './requests/request-detail-page';
import { SessionGate } from './session/session-gate';

/** The dashboard brings the charting library: loaded when someone opens it. */
const DashboardPage = lazy(() => import('./dashboard/dashboard-page').then((m) => ({ default: m.DashboardPage })));

/** The pages, behind sign-in. The server answers every other path with index.html (SPA fallback). */
export function App() {
  return (
    <SessionGate>
      <Routes>
        <Route element={<AppLayout />}>
          <Route index element={<NewRequestPage />} />
          <Route path="requests" element={<MyRequestsPage />} />
          <Route path="requests/:id" element={<RequestDetailPage />} />
          <Route path="queue" element={<ReviewQueuePage />} />
          <Route path="policy" element={<PolicyPage />} />
          <Route
            path="dashboard"
            element={
              <Suspense fallback={null}>
                <DashboardPage />
              </Suspense>
            }
          />
          <Route path="admin" element={<Navigate to="/admin/apps" replace />} />
          <Route path="admin/apps" element={<AppsAdminPage />} />
          <Route path="admin/tokens" element={<TokensAdminPage />} />
          <Route path="admin/connectors" element={<ConnectorsAdminPage />} />
          <Route path="admin/decisions" element={<DecisionsAdminPage />} />
          <Route path="admin/mailbox" element={<MailboxAdminPage />} />
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </SessionGate>
  );
}
