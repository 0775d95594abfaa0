namespace TwoTower.MLNet.Retrieval.Candidates;

/// <summary>Keeps the best <c>capacity</c> candidates seen (a min-heap on score, ties broken towards the smaller key), without sorting everything.</summary>
internal sealed class CandidateHeap
{
    private Candidate[] _heap = new Candidate[16];
    private int _count;
    private int _capacity;

    public void Reset(int capacity)
    {
        _capacity = capacity;
        _count = 0;
        if (_heap.Length < capacity) _heap = new Candidate[capacity];
    }

    public int Count => _count;

    public void Offer(int key, float score)
    {
        if (_capacity == 0) return;
        var c = new Candidate(key, score);
        if (_count < _capacity)
        {
            var i = _count++;
            _heap[i] = c;
            while (i > 0)
            {
                var p = (i - 1) >> 1;
                if (!Worse(_heap[i], _heap[p])) break;
                (_heap[i], _heap[p]) = (_heap[p], _heap[i]);
                i = p;
            }
            return;
        }
        if (!Worse(_heap[0], c)) return;
        _heap[0] = c;
        SiftDown(0, _count);
    }

    /// <summary>Appends the kept candidates best first and empties the heap.</summary>
    public void DrainBestFirst(List<Candidate> output)
    {
        var start = output.Count;
        var n = _count;
        while (_count > 0)
        {
            var top = _heap[0];
            _heap[0] = _heap[--_count];
            SiftDown(0, _count);
            output.Add(top);
        }
        output.Reverse(start, n);
    }

    // a is worse than b: lower score, or equal score and larger key.
    private static bool Worse(Candidate a, Candidate b) => a.Score < b.Score || (a.Score == b.Score && a.ItemKey > b.ItemKey);

    private void SiftDown(int i, int n)
    {
        while (true)
        {
            var l = 2 * i + 1;
            if (l >= n) return;
            var m = l + 1 < n && Worse(_heap[l + 1], _heap[l]) ? l + 1 : l;
            if (!Worse(_heap[m], _heap[i])) return;
            (_heap[i], _heap[m]) = (_heap[m], _heap[i]);
            i = m;
        }
    }
}
