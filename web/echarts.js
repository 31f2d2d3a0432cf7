// The ECharts the app ships: only what its charts use (bars, a donut, a grid, tooltips and a
// legend, drawn on canvas), a third of the full library. Built by Trunk's pre-build hook
// with esbuild from the npm package; nothing comes from a CDN.
import * as echarts from 'echarts/core';
import { BarChart, PieChart } from 'echarts/charts';
import { GridComponent, LegendComponent, TooltipComponent } from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';

echarts.use([BarChart, PieChart, GridComponent, LegendComponent, TooltipComponent, CanvasRenderer]);
window.echarts = echarts;
