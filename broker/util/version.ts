// The broker's version as $SYS and the admin API report it (kept equal to package.json's).
export const BROKER_VERSION = '0.1.0';
