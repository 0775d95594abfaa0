// Native hnswlib peer: the Debian libhnswlib-dev headers compiled the way hnswlib's own setup.py compiles
// (-O3 -march=native, so AVX-512 distances on this CPU). Same data and protocol as ann_bench.py / IndexBench:
// inner product, M and efC 200, build on 2 threads (points split over threads like the Python binding's
// ParallelFor), batched search of all queries on 1 thread, best of --repeats runs, recall@10 vs ground truth.
// build: g++ -O3 -march=native -std=c++17 -pthread hnswlib_native.cpp -o hnswlib_native
// usage: hnswlib_native BASE.npy QUERIES.npy GT.npy M EF_LIST [REPEATS [INDEX_FILE]]   (EF_LIST e.g. 16,24,32,48,64,96,128)
//        with INDEX_FILE: load it when it exists (no build), else build and save it there.
#include <hnswlib/hnswlib.h>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>
#include <filesystem>
#include <unistd.h>

struct Npy { std::vector<char> data; size_t rows = 0, cols = 0; std::string descr; };

static Npy ReadNpy(const char* path) {
    std::ifstream f(path, std::ios::binary);
    if (!f) { std::fprintf(stderr, "cannot open %s\n", path); std::exit(2); }
    char magic[8]; f.read(magic, 8);
    uint32_t hl = 0;
    if (magic[6] == 1) { uint16_t h; f.read((char*)&h, 2); hl = h; } else { f.read((char*)&hl, 4); }
    std::string header(hl, ' '); f.read(&header[0], hl);
    Npy n;
    auto d = header.find("'descr': '"); n.descr = header.substr(d + 10, 3);
    auto s = header.find("'shape': ("); std::sscanf(header.c_str() + s + 10, "%zu, %zu", &n.rows, &n.cols);
    if (n.cols == 0) n.cols = 1;
    size_t item = n.descr[2] - '0';
    n.data.resize(n.rows * n.cols * item); f.read(n.data.data(), n.data.size());
    return n;
}

static double Now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

// CPU seconds of the process / of the calling thread: steadier than wall time when other jobs share the cores.
static double Cpu(clockid_t clock) { timespec ts; clock_gettime(clock, &ts); return ts.tv_sec + ts.tv_nsec * 1e-9; }

// Batched search of all queries on the calling thread per ef: recall@10 and the best QPS (wall and thread CPU) of the repeats.
static int Search(hnswlib::HierarchicalNSW<float>* index, const float* q, const int64_t* truth, size_t nq, size_t d, size_t gtk, const char* efList, int repeats) {
    std::printf("%5s %9s %9s %9s\n", "ef", "recall@10", "QPS b1t", "QPS cpu");
    std::stringstream efs(efList);
    std::string item;
    while (std::getline(efs, item, ',')) {
        int ef = std::atoi(item.c_str());
        index->setEf(ef);
        double best = 0, bestCpu = 0, recall = 0;
        for (int r = 0; r < repeats; r++) {
            size_t hits = 0;
            double t = Now(), c = Cpu(CLOCK_THREAD_CPUTIME_ID);
            std::vector<std::vector<size_t>> found(nq);
            for (size_t i = 0; i < nq; i++) {
                auto res = index->searchKnn(q + i * d, 10);
                while (!res.empty()) { found[i].push_back(res.top().second); res.pop(); }
            }
            double qps = nq / (Now() - t), qpsCpu = nq / (Cpu(CLOCK_THREAD_CPUTIME_ID) - c);
            if (qps > best) best = qps;
            if (qpsCpu > bestCpu) bestCpu = qpsCpu;
            for (size_t i = 0; i < nq; i++) {
                std::unordered_set<int64_t> s(truth + i * gtk, truth + i * gtk + 10);
                for (auto id : found[i]) hits += s.count((int64_t)id);
            }
            recall = hits / (10.0 * nq);
        }
        std::printf("%5d %9.4f %9.0f %9.0f\n", ef, recall, best, bestCpu);
        std::fflush(stdout);
    }
    delete index;
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 6) { std::fprintf(stderr, "usage: %s BASE.npy QUERIES.npy GT.npy M EF_LIST [REPEATS]\n", argv[0]); return 2; }
    Npy base = ReadNpy(argv[1]), queries = ReadNpy(argv[2]), gt = ReadNpy(argv[3]);
    int m = std::atoi(argv[4]);
    int repeats = argc > 6 ? std::atoi(argv[6]) : 3;
    size_t n = base.rows, d = base.cols, nq = queries.rows, gtk = gt.cols;
    const float* x = (const float*)base.data.data();
    const float* q = (const float*)queries.data.data();
    const int64_t* truth = (const int64_t*)gt.data.data();
    hnswlib::InnerProductSpace space(d);
    std::string saved = argc > 7 ? argv[7] : "";
    if (!saved.empty() && std::filesystem::exists(saved)) {
        auto* loaded = new hnswlib::HierarchicalNSW<float>(&space, saved);
        std::printf("# hnswlib native loaded %s\n", saved.c_str());
        return Search(loaded, q, truth, nq, d, gtk, argv[5], repeats);
    }
    auto* index = new hnswlib::HierarchicalNSW<float>(&space, n, m, 200, 100);
    double t0 = Now(), c0 = Cpu(CLOCK_PROCESS_CPUTIME_ID);
    // As the Python binding: the first point alone, then the rest over 2 threads taking the next row from a counter.
    index->addPoint(x, 0);
    std::atomic<size_t> next(1);
    std::vector<std::thread> workers;
    for (int t = 0; t < 2; t++) workers.emplace_back([&] { size_t i; while ((i = next++) < n) index->addPoint(x + i * d, i); });
    for (auto& w : workers) w.join();
    double build = Now() - t0, buildCpu = Cpu(CLOCK_PROCESS_CPUTIME_ID) - c0;
    std::string tmp = (std::filesystem::temp_directory_path() / ("hnswlib_native_" + std::to_string(getpid()) + ".bin")).string();
    index->saveIndex(tmp);
    std::ifstream sz(tmp, std::ios::binary | std::ios::ate);
    double bytes = (double)sz.tellg() / n;
    std::remove(tmp.c_str());
    std::printf("# hnswlib native (-O3 -march=native%s) n %zu d %zu M %d efC 200\n",
#ifdef __AVX512F__
        ", AVX-512",
#else
        "",
#endif
        n, d, m);
    std::printf("build (2 threads): %.2f s wall, %.2f s CPU, %.0f B/vector\n", build, buildCpu, bytes);
    if (!saved.empty()) index->saveIndex(saved);
    return Search(index, q, truth, nq, d, gtk, argv[5], repeats);
}
