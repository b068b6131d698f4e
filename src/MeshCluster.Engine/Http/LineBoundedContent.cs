using System.Net;

namespace MeshCluster.Engine.Http;

/// <summary>
/// A watch's body, read as it comes, with each line bounded (issue 20, point 4): a watch sends one JSON event a line, and a
/// reader (KubernetesClient's StreamReader.ReadLineAsync) buffers a line until its end, so a line without end grew without
/// limit. Past <see cref="Limit"/> bytes without a newline the read fails with <see cref="ResponseTooLargeException"/>.
/// </summary>
internal sealed class LineBoundedContent : HttpContent
{
    private readonly HttpContent _inner;

    public LineBoundedContent(HttpContent inner, long limit)
    {
        _inner = inner;
        Limit = limit;
        foreach (var header in inner.Headers) Headers.TryAddWithoutValidation(header.Key, header.Value);
    }

    /// <summary>The most bytes one line may have.</summary>
    public long Limit { get; }

    protected override async Task<Stream> CreateContentReadStreamAsync() =>
        new LineBoundedStream(await _inner.ReadAsStreamAsync().ConfigureAwait(false), Limit);

    protected override async Task<Stream> CreateContentReadStreamAsync(CancellationToken cancellationToken) =>
        new LineBoundedStream(await _inner.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Limit);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        await using var bounded = await CreateContentReadStreamAsync().ConfigureAwait(false);
        await bounded.CopyToAsync(stream).ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _inner.Dispose();
        base.Dispose(disposing);
    }

    /// <summary>Counts the bytes since the last newline of what passes through.</summary>
    private sealed class LineBoundedStream(Stream inner, long limit) : Stream
    {
        private long _line;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Count(buffer.AsSpan(offset, inner.Read(buffer, offset, count)));

        public override int Read(Span<byte> buffer) => Count(buffer[..inner.Read(buffer)]);

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            return Count(buffer.Span[..read]);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        private int Count(ReadOnlySpan<byte> read)
        {
            var last = read.LastIndexOf((byte)'\n');
            _line = last < 0 ? _line + read.Length : read.Length - last - 1;
            if (_line > limit) throw new ResponseTooLargeException(limit, watchLine: true);
            return read.Length;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
