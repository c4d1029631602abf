package chart

// The layout every chart shares, applied to its options as plain JSON by
// Marshal, so each chart function only says what it draws. The rules make
// a chart readable from a 390 px phone to a wide screen:
//
//   - the legend sits below the plot, never over the axis names at the
//     top, and wraps on a narrow chart, where the plot makes room for it;
//   - the grid contains its axis labels, and the axis names are aligned
//     inward so the chart's edge does not cut them;
//   - category labels of a horizontal bar chart are truncated to a fixed
//     width ("NORMAL_TEMPORARY_FA…"), the full name being in the tooltip:
//     without a width, ECharts gives long labels all the room and the bars
//     none (zero-width bars at 390 px);
//   - category labels that would overlap are thinned out;
//   - a donut's slices are labelled with their percentage only (the legend
//     names them), names too once the chart is wide enough;
//   - media queries (ECharts' own, on the chart's width) widen labels on
//     wide charts, re-evaluated when the chart is resized.

// Widths in CSS pixels.
const (
	// wideChart is the chart width from which labels get more room.
	wideChart = 520
	// Category label width of horizontal bar charts, narrow and wide.
	barLabelNarrow = 104
	barLabelWide   = 220
	// fewCategories is the most categories an x axis names all of.
	fewCategories = 8
	// Grid margins. The top leaves room for the value axes' names.
	gridTop    = 32
	gridSide   = 12
	legendRoom = 40 // below the grid, for the legend under the axis labels
	// legendRoomNarrow is legendRoom for a legend on two rows.
	legendRoomNarrow = 60
)

func fitLayout(m map[string]any) {
	legend := showLegend(m)
	seriesTypes := map[string]bool{}
	for _, s := range list(m["series"]) {
		if t, ok := s["type"].(string); ok {
			seriesTypes[t] = true
		}
	}
	var media []map[string]any

	for _, g := range list(m["grid"]) {
		g["containLabel"] = true
		if legend {
			g["top"] = gridTop
			g["bottom"] = legendRoom
		}
		g["left"] = gridSide
		g["right"] = gridSide
	}

	if seriesTypes["heatmap"] {
		// The visual map sits below the grid: keep its room.
		for _, g := range list(m["grid"]) {
			g["bottom"] = 56
			g["top"] = 8
		}
	}

	horizontalBars := false
	for _, key := range []string{"xAxis", "yAxis"} {
		for i, ax := range list(m[key]) {
			label := child(ax, "axisLabel")
			switch ax["type"] {
			case "category":
				label["hideOverlap"] = true
				if key == "xAxis" && !seriesTypes["heatmap"] {
					// The first label, centred on its bar, reaches left under the
					// value axis' "0": a little more gap below the axis keeps them
					// apart.
					label["margin"] = 12
					if data, ok := ax["data"].([]any); ok && len(data) <= fewCategories {
						// A few categories (quality bands) are each named: ECharts'
						// automatic interval skips every other one when labels are
						// wide, though they fit; truly overlapping ones are still
						// hidden.
						label["interval"] = 0
					}
				}
				if key == "yAxis" && !seriesTypes["heatmap"] {
					horizontalBars = true
					label["width"] = barLabelNarrow
					label["overflow"] = "truncate"
					media = append(media, map[string]any{
						"query":  map[string]any{"minWidth": wideChart},
						"option": map[string]any{"yAxis": indexed(i, map[string]any{"axisLabel": map[string]any{"width": barLabelWide}})},
					})
				}
			case "value":
				nameInward(ax, key)
				// Money labels ("₹1,50,000") are wide: on a phone a horizontal
				// value axis would print them over each other.
				label["hideOverlap"] = true
			}
		}
	}
	if horizontalBars {
		// The value labels at the bars' ends need room on the right,
		// and the value axis' name under the labels.
		for _, g := range list(m["grid"]) {
			g["right"] = 40
			if !legend {
				g["bottom"] = 28
			}
		}
	}

	for i, s := range list(m["series"]) {
		if s["type"] != "pie" {
			continue
		}
		s["center"] = []any{"50%", "46%"}
		s["radius"] = []any{"36%", "62%"}
		label := child(s, "label")
		label["formatter"] = "{d}%"
		s["labelLine"] = map[string]any{"length": 8, "length2": 6}
		s["labelLayout"] = map[string]any{"hideOverlap": true}
		media = append(media, map[string]any{
			"query":  map[string]any{"minWidth": wideChart},
			"option": map[string]any{"series": indexed(i, map[string]any{"label": map[string]any{"formatter": "{b}: {d}%"}})},
		})
	}

	if legend {
		// On a narrow chart the legend wraps onto a second row: the plot
		// makes room for it.
		narrow := map[string]any{}
		if grids := list(m["grid"]); len(grids) > 0 {
			g := make([]any, len(grids))
			for i := range g {
				g[i] = map[string]any{"bottom": legendRoomNarrow}
			}
			narrow["grid"] = g
		}
		var pies []any
		for _, s := range list(m["series"]) {
			if s["type"] == "pie" {
				pies = append(pies, map[string]any{"center": []any{"50%", "42%"}, "radius": []any{"32%", "56%"}})
			} else {
				pies = append(pies, map[string]any{})
			}
		}
		narrow["series"] = pies
		media = append(media, map[string]any{"query": map[string]any{"maxWidth": wideChart - 1}, "option": narrow})
	}

	if len(media) > 0 {
		// ECharts reads root-level "media" with the rest of the option as the
		// base option.
		m["media"] = media
	}
}

// showLegend moves a shown legend below the plot and reports whether there
// is one.
func showLegend(m map[string]any) bool {
	shown := false
	for _, l := range list(m["legend"]) {
		if l["show"] == false {
			continue
		}
		shown = true
		delete(l, "top")
		l["bottom"] = 0
		l["left"] = "center"
		// Plain, not "scroll": a scrolling legend hides entries behind
		// arrows on a phone; a plain one wraps onto a second row.
		l["type"] = "plain"
		l["itemGap"] = 12
	}
	return shown
}

// nameInward aligns a value axis' name with the inner side of its axis: a
// name centred on an axis at the chart's edge is cut in half by it.
func nameInward(ax map[string]any, key string) {
	if ax["name"] == nil || ax["name"] == "" {
		return
	}
	style := child(ax, "nameTextStyle")
	if key == "yAxis" {
		if ax["position"] == "right" {
			style["align"] = "right"
		} else {
			style["align"] = "left"
		}
		return
	}
	// An x value axis (horizontal bars) names itself under its middle.
	ax["nameLocation"] = "middle"
	ax["nameGap"] = 26
}

// list returns the objects of an option that is one object or a list.
func list(v any) []map[string]any {
	switch v := v.(type) {
	case map[string]any:
		return []map[string]any{v}
	case []any:
		out := make([]map[string]any, 0, len(v))
		for _, e := range v {
			if o, ok := e.(map[string]any); ok {
				out = append(out, o)
			}
		}
		return out
	}
	return nil
}

// child returns the object under key, creating it.
func child(m map[string]any, key string) map[string]any {
	if c, ok := m[key].(map[string]any); ok {
		return c
	}
	c := map[string]any{}
	m[key] = c
	return c
}

// indexed is a component list for a media option that changes only the
// i-th component (ECharts merges lists by index).
func indexed(i int, o map[string]any) []any {
	out := make([]any, i+1)
	for j := range out {
		out[j] = map[string]any{}
	}
	out[i] = o
	return out
}
