// raft-tla-harness reports: draws each trace's space-time diagram from the
// data embedded in the page, shows every server's state at the event the
// reader picks, and sorts tables by the column clicked. Plain browser
// JavaScript, inlined into the page: nothing is fetched.
(function () {
  'use strict';
  var SVG = 'http://www.w3.org/2000/svg';
  var STEP = 22;
  // How far back a message sent before the window is drawn from: its stub.
  var STUB = STEP * 3;
  var LEFT = 16;
  var TOP = 22;
  var LANE = 58;
  var ABBREVIATIONS = {
    Timeout: 'TO',
    RequestVote: 'RV',
    BecomeLeader: 'BL',
    ClientRequest: 'CR',
    AdvanceCommitIndex: 'AC',
    AppendEntries: 'AE',
    UpdateTerm: 'UT',
    HandleRequestVoteRequest: 'hRV',
    HandleRequestVoteResponse: 'hRVr',
    HandleAppendEntriesRequest: 'hAE',
    HandleAppendEntriesResponse: 'hAEr',
    DropStaleResponse: 'DS',
    Restart: 'RS',
    DropMessage: 'drop',
    DuplicateMessage: 'dup',
    RequestPreVote: 'PV',
    HandlePreVoteRequest: 'hPV',
    HandlePreVoteResponse: 'hPVr',
    StartElection: 'SE',
    CheckQuorum: 'CQ',
    TakeSnapshot: 'TS',
    SendSnapshot: 'SS',
    HandleInstallSnapshotRequest: 'hIS',
  };
  var dataElement = document.getElementById('report-data');
  var data = dataElement ? JSON.parse(dataElement.textContent) : { diagrams: {} };

  function el(name, attrs, parent) {
    var node = document.createElementNS(SVG, name);
    for (var k in attrs) node.setAttribute(k, attrs[k]);
    if (parent) parent.appendChild(node);
    return node;
  }

  function html(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  /** Canonical JSON: the same message gives the same key whatever order its fields were logged in. */
  function canonical(v) {
    if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
    if (v !== null && typeof v === 'object') {
      return (
        '{' +
        Object.keys(v)
          .sort()
          .map(function (k) {
            return JSON.stringify(k) + ':' + canonical(v[k]);
          })
          .join(',') +
        '}'
      );
    }
    return JSON.stringify(v);
  }

  /** The guards' state columns a trace has: leaderSeen with PreVote, activePeers with CheckQuorum. */
  function guardColumns(world) {
    var any = world.servers[Object.keys(world.servers)[0]];
    return ['leaderSeen', 'activePeers'].filter(function (g) {
      return any && any.state[g] !== undefined;
    });
  }

  /** A message in a few words: its kind, route, term and what it carries. */
  function messageLabel(m) {
    var head = m.type + ' ' + m.source + '→' + m.dest + ' term ' + m.term;
    if (m.type === 'RequestVoteRequest' || m.type === 'PreVoteRequest')
      return head + ', last log ' + m.lastLogIndex + '@t' + m.lastLogTerm;
    if (m.type === 'RequestVoteResponse' || m.type === 'PreVoteResponse')
      return head + (m.voteGranted ? ', granted' : ', refused');
    if (m.type === 'AppendEntriesRequest') {
      return (
        head +
        ', prev ' +
        m.prevLogIndex +
        '@t' +
        m.prevLogTerm +
        ', ' +
        (m.entries ? m.entries.length : 0) +
        ' entries, commit ' +
        m.commitIndex
      );
    }
    if (m.type === 'AppendEntriesResponse')
      return head + (m.success ? ', success' : ', failure') + ', match ' + m.matchIndex;
    if (m.type === 'InstallSnapshotRequest')
      return head + ', snapshot to ' + m.lastIncludedIndex + '@t' + m.lastIncludedTerm;
    return head;
  }

  function describe(e) {
    var params = [];
    if (e.node) params.push(e.node);
    if (e.peer && !e.msg) params.push(e.peer);
    if (e.value !== undefined) params.push(JSON.stringify(e.value));
    if (e.index !== undefined) params.push(String(e.index));
    if (e.msg) params.push('m = ' + messageLabel(e.msg));
    return e.action + '(' + params.join(', ') + ')';
  }

  // --- State at an event: the window's events folded in by src/trace/replay.ts (RaftReplay, bundled into the page) ---

  function roleAfter(d) {
    // The role of each server after each event, for the lane bands.
    var roles = {};
    d.nodes.forEach(function (id) {
      roles[id] = [{ at: -1, role: d.start[id].state.role }];
    });
    d.events.forEach(function (e, k) {
      if (e.state) roles[e.node].push({ at: k, role: e.state.role });
    });
    return roles;
  }

  // --- Drawing ---

  function x(k) {
    return LEFT + k * STEP + STEP / 2;
  }

  function draw(container, d) {
    var hasNetwork =
      d.events.some(function (e) {
        return !e.node;
      }) ||
      d.arrows.some(function (a) {
        return a.fate === 'dropped';
      });
    var lanes = d.nodes.slice();
    if (hasNetwork) lanes.push('network');
    var laneY = {};
    lanes.forEach(function (id, n) {
      laneY[id] = TOP + n * LANE + LANE / 2;
    });
    var n = d.events.length;
    // Room on the right for the failing event's label and the arrows still in flight.
    var width = LEFT * 2 + Math.max(n, 1) * STEP + 460;
    var height = TOP + lanes.length * LANE + 8;

    var names = html('div', null, 'lane-names');
    names.appendChild(html('div', '')).style.height = TOP + 'px';
    lanes.forEach(function (id) {
      var row = html('div', id === 'network' ? 'network' : id);
      row.style.height = LANE + 'px';
      names.appendChild(row);
    });
    var scroller = html('div', null, 'scroller');
    var svg = el('svg', {
      width: width,
      height: height,
      viewBox: '0 0 ' + width + ' ' + height,
      role: 'img',
      'aria-label': 'space-time diagram of ' + d.title,
    });
    scroller.appendChild(svg);
    container.appendChild(names);
    container.appendChild(scroller);

    var defs = el('defs', {}, svg);
    [
      'RequestVoteRequest',
      'RequestVoteResponse',
      'AppendEntriesRequest',
      'AppendEntriesResponse',
      'PreVoteRequest',
      'PreVoteResponse',
      'InstallSnapshotRequest',
      'dropped',
    ].forEach(function (t) {
      var marker = el(
        'marker',
        {
          id: d.id + '-head-' + t,
          viewBox: '0 0 10 10',
          refX: '9',
          refY: '5',
          markerWidth: '6',
          markerHeight: '6',
          orient: 'auto-start-reverse',
        },
        defs,
      );
      el(
        'path',
        {
          d: 'M 0 0 L 10 5 L 0 10 z',
          class: 'arrow-head ' + t,
          fill:
            t === 'dropped'
              ? '#dc2626'
              : {
                  RequestVoteRequest: '#2563eb',
                  RequestVoteResponse: '#60a5fa',
                  AppendEntriesRequest: '#7c3aed',
                  AppendEntriesResponse: '#c084fc',
                  PreVoteRequest: '#0d9488',
                  PreVoteResponse: '#5eead4',
                  InstallSnapshotRequest: '#b45309',
                }[t],
        },
        marker,
      );
    });

    var columns = el('g', { class: 'columns' }, svg);
    var selectedColumn = el(
      'rect',
      { class: 'selected-column', x: -100, y: TOP - 4, width: STEP, height: height - TOP },
      columns,
    );
    var axis = el('g', { class: 'axis' }, svg);
    for (var k = 0; k < n; k++) {
      var number = d.events[k].i;
      if (number % 10 === 0 || k === 0) {
        el('line', { x1: x(k), x2: x(k), y1: TOP - 6, y2: height, 'stroke-dasharray': '1 4' }, axis);
        el('text', { x: x(k), y: 12, 'text-anchor': 'middle' }, axis).textContent = String(number);
      }
    }

    var roles = roleAfter(d);
    var bands = el('g', { class: 'bands' }, svg);
    d.nodes.forEach(function (id) {
      var changes = roles[id];
      for (var c = 0; c < changes.length; c++) {
        var from = changes[c].at;
        var to = c + 1 < changes.length ? changes[c + 1].at : n;
        el(
          'rect',
          {
            class: 'band ' + changes[c].role,
            x: from < 0 ? 0 : x(from),
            y: laneY[id] - 4,
            width: Math.max(0, (to < 0 ? 0 : x(to)) - (from < 0 ? 0 : x(from))),
            height: 8,
          },
          bands,
        );
      }
    });
    lanes.forEach(function (id) {
      el('line', { class: 'lane', x1: 0, x2: width, y1: laneY[id], y2: laneY[id] }, svg);
    });

    var arrows = el('g', { class: 'arrows' }, svg);
    d.arrows.forEach(function (a) {
      var x1, y1;
      var x2 = a.to < 0 ? x(n - 1) + STEP * 2 : x(a.to);
      var y2 = laneY[a.dest];
      // A message sent before the window is a short stub into its receipt,
      // not a line across every event drawn before it.
      var beforeWindow = a.from < 0 && a.fate !== 'duplicate' && !(a.fate === 'in-flight' && a.via !== undefined);
      if (a.fate === 'duplicate' || (a.fate === 'in-flight' && a.via !== undefined)) {
        x1 = x(a.via);
        y1 = laneY.network;
      } else if (beforeWindow) {
        x1 = Math.max(0, x2 - STUB);
        y1 = laneY[a.source];
      } else {
        x1 = x(a.from);
        y1 = laneY[a.source];
      }
      if (y1 === undefined || y2 === undefined) return;
      var head = a.fate === 'dropped' ? 'dropped' : a.type;
      var path = el(
        'path',
        {
          class: 'arrow ' + a.type + ' ' + a.fate + (beforeWindow ? ' before-window' : ''),
          d: 'M ' + x1 + ' ' + y1 + ' L ' + x2 + ' ' + y2,
        },
        arrows,
      );
      if (a.fate !== 'dropped' && a.fate !== 'in-flight')
        path.setAttribute('marker-end', 'url(#' + d.id + '-head-' + head + ')');
      if (a.fate === 'dropped') {
        el(
          'path',
          {
            class: 'drop-mark',
            d:
              'M ' +
              (x2 - 4) +
              ' ' +
              (y2 - 4) +
              ' L ' +
              (x2 + 4) +
              ' ' +
              (y2 + 4) +
              ' M ' +
              (x2 - 4) +
              ' ' +
              (y2 + 4) +
              ' L ' +
              (x2 + 4) +
              ' ' +
              (y2 - 4),
          },
          arrows,
        );
      }
      var msg = a.to >= 0 ? d.events[a.to].msg : a.from >= 0 ? d.events[a.from].send : null;
      el('title', {}, path).textContent =
        (msg ? messageLabel(msg) : a.type + ' ' + a.source + '→' + a.dest) +
        ' (' +
        a.fate +
        (beforeWindow ? ', sent before the events drawn' : '') +
        ')';
    });

    var marks = el('g', { class: 'events' }, svg);
    var groups = [];
    d.events.forEach(function (e, k) {
      var lane = e.node || 'network';
      var classes = ['event', e.state ? e.state.role : 'network'];
      if (e.action === 'Restart') classes.push('restart');
      var g = el('g', { class: classes.join(' '), 'data-event': e.i, 'data-index': k, tabindex: '-1' }, marks);
      var cx = x(k);
      var cy = laneY[lane];
      // The whole slot is the target, label included: a mark alone is small to hit.
      el('rect', { class: 'hit', x: cx - STEP / 2, y: cy - 12, width: STEP, height: 42 }, g);
      if (e.action === 'Restart') {
        el('line', { class: 'crash-line', x1: cx, x2: cx, y1: cy - LANE / 2 + 6, y2: cy + LANE / 2 - 6 }, g);
        el('rect', { class: 'mark', x: cx - 6, y: cy - 6, width: 12, height: 12 }, g);
      } else if (!e.node) {
        el(
          'path',
          {
            class: 'mark',
            d:
              'M ' +
              cx +
              ' ' +
              (cy - 7) +
              ' L ' +
              (cx + 7) +
              ' ' +
              cy +
              ' L ' +
              cx +
              ' ' +
              (cy + 7) +
              ' L ' +
              (cx - 7) +
              ' ' +
              cy +
              ' z',
          },
          g,
        );
      } else {
        el('circle', { class: 'mark', cx: cx, cy: cy, r: 6 }, g);
      }
      // Alternate heights, so that the labels of neighbouring events do not run together.
      el('text', { class: 'abbr', x: cx, y: cy + (k % 2 === 0 ? 17 : 26) }, g).textContent =
        ABBREVIATIONS[e.action] || e.action;
      el('title', {}, g).textContent =
        'event ' + e.i + ': ' + describe(e) + (e.state ? ' → ' + e.state.role + ', term ' + e.state.term : '');
      groups.push(g);
    });

    if (d.failing) {
      var f = d.failing.index;
      var g = groups[f];
      if (g) {
        g.classList.add('failing');
        var lane = d.events[f].node || 'network';
        el(
          'rect',
          { class: 'failing-column', x: x(f) - STEP / 2, y: TOP - 4, width: STEP, height: height - TOP },
          columns,
        );
        var ring = el('circle', { class: 'ring', cx: x(f), cy: laneY[lane], r: 11 });
        g.insertBefore(ring, g.firstChild);
        var label = 'event ' + d.events[f].i + ': ' + (d.failing.callout || d.failing.title);
        var shown = label.length > 64 ? label.slice(0, 63) + '…' : label;
        var callout = el('g', { class: 'callout' }, svg);
        var top = Math.max(2, laneY[lane] - 44);
        el('rect', { x: x(f) + 14, y: top, width: 6.2 * shown.length + 14, height: 20, rx: 3 }, callout);
        el('text', { x: x(f) + 20, y: top + 14 }, callout).textContent = shown;
        el('title', {}, callout).textContent = label;
      }
    }
    return { scroller: scroller, groups: groups, selectedColumn: selectedColumn };
  }

  // --- The state panel ---

  function showValue(v) {
    return v === null ? 'null' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  // A long log shows its last entries and the ones the event changed; the
  // rest wait behind "N earlier entries", so that a real cluster's 88-entry
  // log does not stretch the panel to thousands of pixels. Each entry is
  // drawn once, shown or folded.
  var LOG_SHOWN = 4;

  // With a snapshot, the log holds the entries after it: entry k is at k - snapshotIndex - 1,
  // and a first chip stands for the snapshot.
  function fillLog(cell, s, p) {
    var from = s.state.snapshotIndex || 0;
    var pFrom = p.state.snapshotIndex || 0;
    if (from > 0) {
      var shot = html('span', '1-' + from + ': snapshot to t' + s.state.snapshotTerm, 'log-entry committed');
      if (from !== pFrom) shot.classList.add('new');
      cell.appendChild(shot);
    }
    var chips = s.log.map(function (entry, n) {
      var k = from + n;
      var chip = html('span', k + 1 + ':t' + entry.term + ' ' + entry.value, 'log-entry');
      if (k < s.state.commitIndex) chip.classList.add('committed');
      var before = k >= pFrom ? p.log[k - pFrom] : entry;
      if (!before || canonical(before) !== canonical(entry)) chip.classList.add('new');
      return chip;
    });
    var folded = chips.filter(function (chip, n) {
      return n < chips.length - LOG_SHOWN && !chip.classList.contains('new');
    });
    if (folded.length > 1) {
      var rest = html('details', null, 'log-rest');
      rest.appendChild(
        html(
          'summary',
          from + s.log.length + ' entries, ' + s.state.commitIndex + ' committed: ' + folded.length + ' more',
        ),
      );
      folded.forEach(function (chip) {
        rest.appendChild(chip);
      });
      cell.appendChild(rest);
    } else folded = [];
    chips.forEach(function (chip) {
      if (folded.indexOf(chip) < 0) cell.appendChild(chip);
    });
  }

  function renderState(panel, d, k) {
    // One fold: the state before event k, and after it.
    var worlds = RaftReplay.worldsAround(d, k);
    var before = worlds.before;
    var after = worlds.after;
    var e = d.events[k];
    panel.textContent = '';
    panel.appendChild(html('h4', 'State after event ' + e.i + ': ' + describe(e)));
    var table = html('table', null, 'state');
    var head = html('tr');
    [
      'server',
      'role',
      'currentTerm',
      'votedFor',
      'commitIndex',
      'log',
      'votesResponded',
      'votesGranted',
      'nextIndex',
      'matchIndex',
    ]
      .concat(guardColumns(after))
      .forEach(function (h) {
        head.appendChild(html('th', h));
      });
    var thead = html('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    var body = html('tbody');
    d.nodes.forEach(function (id) {
      var s = after.servers[id];
      var p = before.servers[id];
      var row = html('tr');
      row.setAttribute('data-server', id);
      row.appendChild(html('th', id));
      var fields = [
        ['role', s.state.role, p.state.role],
        ['term', s.state.term, p.state.term],
        ['votedFor', s.state.votedFor, p.state.votedFor],
        ['commitIndex', s.state.commitIndex, p.state.commitIndex],
      ];
      fields.forEach(function (f) {
        var td = html('td', showValue(f[1]));
        td.setAttribute('data-field', f[0]);
        if (canonical(f[1]) !== canonical(f[2])) td.className = 'changed';
        row.appendChild(td);
      });
      var logCell = html('td');
      logCell.setAttribute('data-field', 'log');
      if (canonical(s.log) !== canonical(p.log)) logCell.className = 'changed';
      if (s.log.length === 0) logCell.textContent = '⟨⟩';
      fillLog(logCell, s, p);
      row.appendChild(logCell);
      [
        ['votesResponded', s.state.votesResponded, p.state.votesResponded],
        ['votesGranted', s.state.votesGranted, p.state.votesGranted],
        ['nextIndex', s.state.nextIndex, p.state.nextIndex],
        ['matchIndex', s.state.matchIndex, p.state.matchIndex],
      ]
        .concat(
          guardColumns(after).map(function (g) {
            return [g, s.state[g], p.state[g]];
          }),
        )
        .forEach(function (f) {
          var td = html(
            'td',
            Array.isArray(f[1])
              ? '{' + f[1].join(', ') + '}'
              : Object.keys(f[1])
                  .map(function (q) {
                    return q + '↦' + f[1][q];
                  })
                  .join(' '),
          );
          td.setAttribute('data-field', f[0]);
          if (canonical(f[1]) !== canonical(f[2])) td.className = 'changed';
          row.appendChild(td);
        });
      body.appendChild(row);
    });
    table.appendChild(body);
    panel.appendChild(table);
    var inFlight = [];
    after.bag.forEach(function (v) {
      inFlight.push(v);
    });
    var copies = inFlight.reduce(function (total, m) {
      return total + m.copies;
    }, 0);
    panel.appendChild(html('p', copies + ' message(s) in flight after this event' + (copies ? ':' : '.')));
    if (inFlight.length) {
      var list = html('ul', null, 'in-flight');
      inFlight.slice(0, 40).forEach(function (m) {
        var copy = m.copies > 1 ? ' ×' + m.copies : '';
        list.appendChild(html('li', messageLabel(m.msg) + copy));
      });
      if (inFlight.length > 40) list.appendChild(html('li', '… and ' + (inFlight.length - 40) + ' more'));
      panel.appendChild(list);
    }
    var details = html('details');
    details.appendChild(html('summary', 'the event as logged'));
    details.appendChild(html('pre', JSON.stringify(e, null, 1)));
    panel.appendChild(details);
  }

  /** The abbreviations the diagram's marks carry, each with the action it stands for, added to its legend. */
  function legendOfMarks(container, d) {
    var legend = container.parentNode.querySelector('.legend');
    if (!legend) return;
    var seen = {};
    d.events.forEach(function (e) {
      seen[e.action] = true;
    });
    var line = html('span', '', 'abbreviations');
    Object.keys(ABBREVIATIONS).forEach(function (action) {
      if (!seen[action]) return;
      var item = html('span', '', 'abbreviation');
      item.appendChild(html('b', ABBREVIATIONS[action]));
      item.appendChild(document.createTextNode(' ' + action));
      line.appendChild(item);
    });
    legend.appendChild(line);
  }

  function setUp(container) {
    var d = data.diagrams[container.getAttribute('data-diagram')];
    if (!d || container.getAttribute('data-drawn')) return;
    container.setAttribute('data-drawn', 'yes');
    var drawn = draw(container, d);
    legendOfMarks(container, d);
    var panel = document.querySelector('.state-panel[data-for="' + d.id + '"]');
    var selected = -1;
    function select(k, scroll) {
      if (k < 0 || k >= d.events.length) return;
      if (selected >= 0) drawn.groups[selected].classList.remove('selected');
      selected = k;
      drawn.groups[k].classList.add('selected');
      drawn.selectedColumn.setAttribute('x', x(k) - STEP / 2);
      if (panel) renderState(panel, d, k);
      if (scroll) {
        var left = x(k) - drawn.scroller.clientWidth / 2;
        drawn.scroller.scrollLeft = Math.max(0, left);
      }
    }
    drawn.groups.forEach(function (g, k) {
      g.addEventListener('click', function () {
        select(k, false);
      });
    });
    drawn.scroller.tabIndex = 0;
    drawn.scroller.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowRight') {
        select(selected + 1, true);
        ev.preventDefault();
      }
      if (ev.key === 'ArrowLeft') {
        select(selected - 1, true);
        ev.preventDefault();
      }
    });
    // Open where the reader needs to look: at the failing event, or at the end of the run.
    if (d.events.length > 0) select(d.failing ? d.failing.index : d.events.length - 1, true);
  }

  document.querySelectorAll('.diagram[data-diagram]').forEach(function (container) {
    var details = container.closest('details');
    if (!details || details.open) setUp(container);
    if (details)
      details.addEventListener('toggle', function () {
        if (details.open) setUp(container);
      });
  });

  // --- Sortable tables ---

  document.querySelectorAll('table.sortable').forEach(function (table) {
    var headers = table.querySelectorAll('thead th');
    headers.forEach(function (th, column) {
      function sort() {
        var ascending = !th.classList.contains('sorted-asc');
        headers.forEach(function (h) {
          h.classList.remove('sorted-asc', 'sorted-desc');
        });
        th.classList.add(ascending ? 'sorted-asc' : 'sorted-desc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        function keyOf(row) {
          var c = row.cells[column];
          var v = c.hasAttribute('data-sort') ? c.getAttribute('data-sort') : c.textContent;
          var num = Number(v);
          return v !== '' && !isNaN(num) ? num : String(v).toLowerCase();
        }
        // Numbers by value; text in natural order, its digits read as
        // numbers (seed-2 before seed-10).
        var natural = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
        rows.sort(function (a, b) {
          var ka = keyOf(a),
            kb = keyOf(b);
          var r = typeof ka === 'number' && typeof kb === 'number' ? ka - kb : natural.compare(String(ka), String(kb));
          return ascending ? r : -r;
        });
        rows.forEach(function (r) {
          body.appendChild(r);
        });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (ev) {
        if (ev.key === 'Enter') sort();
      });
    });
  });
})();
