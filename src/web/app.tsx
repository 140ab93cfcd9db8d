import { Route, Routes } from 'react-router';
import { NotFoundPage } from './components/not-found-page';
import { AppLayout } from './layout/app-layout';
import { ReviewQueuePage } from './queue/review-queue-page';
import { MyRequestsPage } from './requests/my-requests-page';
import { NewRequestPage } from './requests/new-request-page';
import { RequestDetailPage } from './requests/request-detail-page';
import { SessionGate } from './session/session-gate';

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
          <Route path="*" element={<NotFoundPage />} />
        </Route>
      </Routes>
    </SessionGate>
  );
}
