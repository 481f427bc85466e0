/** The shared PROV graph module: pure PROV-JSON → graph functions and the vis-network view. */
export * from './prov';
export * from './model';
export * from './layout';
export * from './details';
export * from './style';
export * from './dom';
export * from './view';
