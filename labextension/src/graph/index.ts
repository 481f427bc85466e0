/** The one PROV graph view module: PROV-JSON + view options → what is drawn (see view.ts). */
export * from './prov';
export * from './style';
export * from './model';
export * from './layout';
export * from './details';
export * from './legend';
export * from './theme';
export * from './view';
