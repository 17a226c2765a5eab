"""Complements that leave every hidden cell free to move, when row and column
totals are both published.

With both sets of totals, a hidden cell can change only if other hidden cells
change with it, alternately up and down around a cycle of hidden cells
(row, column, row, ... back to the start), so that every total stays the
same. A hidden cell on no such cycle is pinned: the totals give it away. How
far a cell can move is a maximum flow through the other hidden cells (the
cells that move against it must not drop below zero), which is exact and
cheap; :mod:`analysis.disclosure_audit` checks the same thing independently
by linear programming.

Nodes are numbered rows first (0 .. m-1), then columns (m .. m+n-1). A cell
(i, j) is an arc between row i and column j, traversed row -> column or
column -> row.
"""

from __future__ import annotations

import heapq
from collections import deque

import numpy as np

#: Smallest movement that counts as "not pinned" (counts are whole numbers,
#: so any real movement is at least 1).
_MOVE = 1e-6
#: Round-off allowed in comparisons.
_TINY = 1e-9

_Cost = tuple[int, float, int]


def _max_flow_reaches(capacity: np.ndarray, source: int, sink: int, need: float) -> bool:
    """Whether the maximum flow from ``source`` to ``sink`` is at least ``need``.

    Edmonds-Karp on a dense matrix (tables have tens of lines, not thousands),
    stopping as soon as ``need`` is reached.
    """
    residual = capacity.copy()
    total = 0.0
    size = len(residual)
    while total < need - _TINY:
        parent = np.full(size, -1)
        parent[source] = source
        queue = deque([source])
        while queue and parent[sink] < 0:
            u = queue.popleft()
            for reached in np.flatnonzero((residual[u] > _TINY) & (parent < 0)):
                parent[reached] = u
                queue.append(int(reached))
        if parent[sink] < 0:
            return False
        path = []
        node = sink
        while node != source:
            path.append((int(parent[node]), node))
            node = int(parent[node])
        bottleneck = min(residual[u, w] for u, w in path)
        for u, w in path:
            residual[u, w] -= bottleneck
            residual[w, u] += bottleneck
        total += bottleneck
    return True


def can_move(
    values: np.ndarray, hidden: np.ndarray, cell: tuple[int, int], *, up: bool, need: float
) -> bool:
    """Whether hidden ``cell`` can rise (``up``) or fall by ``need`` with every total kept.

    Moving the cell by t means moving other hidden cells by t, alternately
    against it and with it, around cycles back to the cell. Cells that move
    against it are bounded by their own count (no count below zero); cells
    that move with it are unbounded. That is a flow from the cell's row to
    its column, and the largest possible movement is the maximum flow.
    """
    m, n = values.shape
    i, j = cell
    if not up and need > values[i, j] + _TINY:
        return False
    unbounded = values.sum() + 1.0
    others = hidden.copy()
    others[i, j] = False
    limited = np.where(others, values, 0.0)
    free = np.where(others, unbounded, 0.0)
    capacity = np.zeros((m + n, m + n))
    # Rising, the cell's row-mate falls (row -> column arcs are the limited
    # ones); falling, it is the other way round.
    capacity[:m, m:] = limited if up else free
    capacity[m:, :m] = (free if up else limited).T
    return _max_flow_reaches(capacity, i, m + j, need)


def _cheapest_path(
    values: np.ndarray,
    hidden: np.ndarray,
    usable: np.ndarray,
    cell: tuple[int, int],
    *,
    up: bool,
    need: float,
) -> tuple[_Cost, list[tuple[int, int]]] | None:
    """The cheapest set of visible cells whose hiding closes a cycle that alone
    moves ``cell`` by ``need``, and its cost; ``None`` if there is none.

    Dijkstra from the cell's row to its column. Hidden cells cost nothing; a
    visible cell costs (1 if it is empty, its count, 1), compared in that
    order: an empty cell is used only when no cycle of non-empty cells
    exists, then the least hidden count wins, then the fewest cells. Cells
    that move against ``cell`` must hold at least ``need``.
    """
    m, n = values.shape
    ci, cj = cell
    allowed = (usable | hidden).copy()
    allowed[ci, cj] = False
    # Which traversal of a cell moves it against `cell`.
    against_forward = up  # row -> column
    zero: _Cost = (0, 0.0, 0)
    best: dict[int, _Cost] = {ci: zero}
    previous: dict[int, tuple[int, tuple[int, int]]] = {}
    heap: list[tuple[_Cost, int]] = [(zero, ci)]
    done: set[int] = set()
    target = m + cj
    while heap:
        cost, node = heapq.heappop(heap)
        if node in done:
            continue
        done.add(node)
        if node == target:
            break
        if node < m:
            steps = [(node, j, m + j, against_forward) for j in range(n)]
        else:
            steps = [(i, node - m, i, not against_forward) for i in range(m)]
        for i, j, nxt, against in steps:
            if nxt in done or not allowed[i, j]:
                continue
            if against and values[i, j] < need - _TINY:
                continue
            if hidden[i, j]:
                step = cost
            else:
                step = (cost[0] + int(values[i, j] == 0), cost[1] + values[i, j], cost[2] + 1)
            if nxt not in best or step < best[nxt]:
                best[nxt] = step
                previous[nxt] = (node, (i, j))
                heapq.heappush(heap, (step, nxt))
    if target not in done:
        return None
    cells = []
    node = target
    while node != ci:
        node, (i, j) = previous[node]
        if not hidden[i, j]:
            cells.append((i, j))
    return best[target], cells[::-1]


def _requirements(value: float, primary: bool, min_cell: int) -> tuple[float, float]:
    """How far a hidden cell must be able to fall or rise (either suffices).

    A primary cell must be able to reach 0 or ``min_cell``, so that its range
    leaves 1 .. min_cell - 1; any other hidden cell must merely not be pinned.
    """
    if primary:
        return value, min_cell - value
    return _MOVE, _MOVE


def _protected(
    values: np.ndarray, hidden: np.ndarray, cell: tuple[int, int], primary: bool, min_cell: int
) -> bool:
    down, up = _requirements(values[cell], primary, min_cell)
    return can_move(values, hidden, cell, up=False, need=down) or can_move(
        values, hidden, cell, up=True, need=up
    )


def _protectable(values: np.ndarray, cell: tuple[int, int], primary: bool, min_cell: int) -> bool:
    """Whether the cell would be protected if every cell were hidden.

    Then only the totals are known and the cell ranges over
    ``max(0, R + C - N) .. min(R, C)`` (the Frechet bounds of a two-way
    table). Hiding more never narrows a range, so a cell that fails here
    cannot be protected by any suppression: its totals give it away.
    """
    i, j = cell
    row, col, grand = values[i].sum(), values[:, j].sum(), values.sum()
    low, high = max(0.0, row + col - grand), min(row, col)
    if high - low < _TINY:
        return False
    return not primary or low < _TINY or high >= min_cell - _TINY


def protect_cycles(
    values: np.ndarray,
    hidden: np.ndarray,
    secondary: np.ndarray,
    primary: np.ndarray,
    min_cell: int,
) -> None:
    """Hide further cells until every hidden cell is protected (in place).

    Protected means what :func:`analysis.disclosure_audit.unsafe_cells`
    means: not pinned, and for a primary cell a range reaching 0 or
    ``min_cell``. Cells are checked once each, primary cells first, then the
    other hidden cells, both in row-major order, then the cells this step
    hides; hiding more only widens ranges, so a cell once protected stays so.
    For an unprotected cell the cheapest single cycle that protects it is
    hidden (see :func:`_cheapest_path`). If no single cycle is enough, every
    cell of its row and column is hidden, and failing that every cell; cells
    whose row or column total is 0 are never hidden, being known to be 0.
    Cells that no suppression can protect (see :func:`_protectable`) are
    left as they are.
    """
    positive_lines = (values.sum(axis=1) > 0)[:, None] & (values.sum(axis=0) > 0)[None, :]
    start = [tuple(c) for c in np.argwhere(hidden & primary)]
    start += [tuple(c) for c in np.argwhere(hidden & ~primary)]
    work = deque((int(i), int(j)) for i, j in start)

    def hide(cells: np.ndarray) -> None:
        for i, j in np.argwhere(cells & ~hidden):
            hidden[i, j] = secondary[i, j] = True
            work.append((int(i), int(j)))

    while work:
        cell = work.popleft()
        is_primary = bool(primary[cell])
        if _protected(values, hidden, cell, is_primary, min_cell):
            continue
        if not _protectable(values, cell, is_primary, min_cell):
            continue
        usable = positive_lines & ~hidden
        down, up = _requirements(values[cell], is_primary, min_cell)
        options = []
        if down <= values[cell] + _TINY:
            options.append(_cheapest_path(values, hidden, usable, cell, up=False, need=down))
        options.append(_cheapest_path(values, hidden, usable, cell, up=True, need=up))
        found = [option for option in options if option is not None]
        if found:
            # min() keeps the first of equal costs: falling before rising.
            _, cells = min(found, key=lambda option: option[0])
            mask = np.zeros_like(hidden)
            for i, j in cells:
                mask[i, j] = True
            hide(mask)
            continue
        lines = np.zeros_like(hidden)
        lines[cell[0], :] = lines[:, cell[1]] = True
        hide(lines & positive_lines)
        if not _protected(values, hidden, cell, is_primary, min_cell):
            hide(positive_lines)
