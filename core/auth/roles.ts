/**
 * Who may do what in the back office. People have accounts with one role; devices
 * (box-office windows, kiosks, handhelds) have keys whose kind fixes their role; gate
 * agents have their own credential (`core/checkin/devices.ts`). Every role's rights are
 * one row of {@link PERMISSIONS}: a route names the permission it needs, never a role.
 */

/** Roles of people (accounts) and of service keys. `admin` is the platform admin. */
export const STAFF_ROLES = [
  'admin',
  'area-manager',
  'finance',
  'customer-service',
  'box-office',
  'gate',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Device kinds a key is issued for. A gate agent's key is its gate credential (`sgd1.…`). */
export const DEVICE_KINDS = ['box-office', 'kiosk', 'handheld', 'gate-agent'] as const;
export type DeviceKind = (typeof DEVICE_KINDS)[number];

/** Device kinds that are `sk_` keys (the gate agent's credential lives with the gates). */
export const KEY_DEVICE_KINDS = ['box-office', 'kiosk', 'handheld'] as const satisfies readonly DeviceKind[];
export type KeyDeviceKind = (typeof KEY_DEVICE_KINDS)[number];

/** Roles only a device has. */
export const DEVICE_ROLES = ['kiosk', 'handheld'] as const;
export type DeviceRole = (typeof DEVICE_ROLES)[number];

/** Every role a staff or device actor can carry (partners carry `partner`, with no staff right). */
export type Role = StaffRole | DeviceRole;
export const ROLES: readonly Role[] = [...STAFF_ROLES, ...DEVICE_ROLES];

/** The role a device key acts with. */
export const DEVICE_ROLE: Record<KeyDeviceKind, Role> = {
  'box-office': 'box-office',
  kiosk: 'kiosk',
  handheld: 'handheld',
};

/** Device kinds that sell, and so must name the one on-site channel they sell through. */
export const SELLING_DEVICES: readonly KeyDeviceKind[] = ['box-office', 'kiosk', 'handheld'];

/** Roles that must pass a second factor (TOTP) before a session may do anything but enrol it. */
export const SECOND_FACTOR_ROLES: readonly Role[] = ['admin', 'area-manager', 'finance'];

export const PERMISSIONS_LIST = [
  // configuration of an area
  'areas.configure', // PUT the area's catalog, the waiting room
  'channels.switch', // pause / resume a channel in an area
  'stock.read', // an area-day's live counters, channel states
  // platform-wide
  'channels.configure', // the channel registry (every area)
  'partners.manage', // partners, their keys, webhooks
  'settlements.read', // partner settlement statements
  'system.operate', // inventory reconcile, the queues UI
  'payments.reconcile', // reconciliation against the providers' statements, finance's decisions
  // reading
  'audit.read',
  'reports.read',
  'orders.read',
  'orders.search', // by order number, phone, ID number (customer service)
  // selling and after-sales
  'orders.sell',
  'orders.sell-group',
  'orders.refund', // at the window: on-site orders
  'orders.refund-any', // any channel's order, on the visitor's behalf
  'orders.reschedule',
  'refunds.manage', // the refund queue: failed refunds looked at and sent again
  'tickets.reprint',
  'tickets.resend',
  'tickets.card', // bind / unbind an NFC/IC card to a ticket (issue 18)
  'emergency.manage', // open / close emergency manual mode (supervisors)
  'emergency.read',
  'emergency.sell',
  'gate.scan', // the staff page's relay to the entrance's gate agent
  'entries.flags', // double-entry and other gate flags: list, resolve with a note
  // people and devices
  'accounts.read',
  'accounts.manage',
  'devices.manage',
] as const;
export type Permission = (typeof PERMISSIONS_LIST)[number];

const SUPERVISOR: readonly Permission[] = [
  'areas.configure',
  'channels.switch',
  'stock.read',
  'audit.read',
  'reports.read',
  'orders.read',
  'orders.search',
  'orders.refund',
  'orders.refund-any',
  'orders.reschedule',
  'refunds.manage',
  'tickets.reprint',
  'tickets.resend',
  'tickets.card',
  'emergency.manage',
  'emergency.read',
  'gate.scan',
  'entries.flags',
  'accounts.read',
  'accounts.manage',
  'devices.manage',
];

/** Role → what it may do. A permission not listed is refused. */
export const PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  admin: [...PERMISSIONS_LIST],
  'area-manager': SUPERVISOR,
  finance: [
    'stock.read',
    'audit.read',
    'reports.read',
    'orders.read',
    'settlements.read',
    'payments.reconcile',
    'refunds.manage',
  ],
  'customer-service': [
    'orders.read',
    'orders.search',
    'orders.refund',
    'orders.refund-any',
    'orders.reschedule',
    'tickets.resend',
    'tickets.card',
  ],
  'box-office': [
    'orders.read',
    'orders.sell',
    'orders.sell-group',
    'orders.refund',
    'tickets.reprint',
    'tickets.card',
    'emergency.read',
    'emergency.sell',
    'gate.scan',
  ],
  gate: ['gate.scan'],
  kiosk: ['orders.read', 'orders.sell', 'tickets.reprint', 'emergency.read'],
  handheld: [
    'orders.read',
    'orders.sell',
    'orders.sell-group',
    'tickets.reprint',
    'emergency.read',
    'emergency.sell',
    'gate.scan',
  ],
};

/** Permissions that are about every area at once: only an actor scoped to all areas has them in effect. */
export const PLATFORM_PERMISSIONS: readonly Permission[] = [
  'channels.configure',
  'partners.manage',
  'settlements.read',
  'system.operate',
  'payments.reconcile',
];

/**
 * The roles a role may give others (create accounts with, or move accounts to), always
 * within its own areas: the platform admin any; an area manager the area roles, not
 * another manager's peers above it and never `admin`.
 */
export const GRANTABLE: Readonly<Record<Role, readonly StaffRole[]>> = {
  admin: STAFF_ROLES,
  'area-manager': ['area-manager', 'finance', 'customer-service', 'box-office', 'gate'],
  finance: [],
  'customer-service': [],
  'box-office': [],
  gate: [],
  kiosk: [],
  handheld: [],
};

export const isRole = (s: string): s is Role => (ROLES as readonly string[]).includes(s);
