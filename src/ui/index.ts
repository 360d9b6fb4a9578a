/** The read-only web dashboard (`deploy ui`) and the static status report. */
export { startDashboard, type DashboardServer, type DashboardServerOptions } from './server.js';
export { DashboardData, type DashboardOptions } from './dashboard-data.js';
export { HostConnections } from './connections.js';
export { parseListen, isLoopback, isUnspecified, type ListenAddress } from './security.js';
export { writeStatusHtml, renderStatusHtml } from './report.js';
