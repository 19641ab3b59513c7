import { defineEditWorkflowSuite } from './edit-workflows-suite.js';

defineEditWorkflowSuite({ name: 'fake ComfyUI' });
