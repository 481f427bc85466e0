import 'vis-network/styles/vis-network.css';
import './base.css';
