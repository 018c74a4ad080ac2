export { demoService, type DemoService, type DemoResult } from './demo.service';
