using System.Management.Automation;
using MeshCluster.Engine;
using MeshCluster.Engine.Errors;

namespace MeshCluster.Hosting;

/// <summary>How a failure leaves a cmdlet: always as an ErrorRecord whose id is one of the module's.</summary>
internal static class ErrorRecords
{
    /// <summary>Writes the failure (or throws it, when terminating) for <paramref name="cmdlet"/>; rethrows what is PowerShell's own.</summary>
    public static void Report(PSCmdlet cmdlet, Exception failure)
    {
        switch (failure)
        {
            case PipelineStoppedException or ActionPreferenceStopException or HaltCommandException:
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
                break;
            case MeshClusterException ex:
                var record = From(ex);
                if (ex.Terminating) cmdlet.ThrowTerminatingError(record);
                cmdlet.WriteError(record);
                break;
            default:
                // The last line of defence: no CLR exception type becomes an error id, and the session lives on.
                cmdlet.ThrowTerminatingError(From(Unexpected(cmdlet, failure)));
                break;
        }
    }

    public static ErrorRecord From(MeshClusterException ex)
    {
        var record = new ErrorRecord(ex, ex.ErrorId, ex.Category, ex.Target);
        // The id in the text as well: pwsh's default error view shows the message but not the
        // FullyQualifiedErrorId, and a pipeline's log is all an Azure DevOps user gets to see.
        record.ErrorDetails = new ErrorDetails($"{ex.Message} [{ex.ErrorId}]")
        {
            RecommendedAction = ex.RecommendedAction is null ? null : SecretRedactor.Redact(ex.RecommendedAction),
        };
        return record;
    }

    private static MeshClusterException Unexpected(PSCmdlet cmdlet, Exception failure) =>
        new(ErrorIds.UnexpectedError, ErrorCategory.NotSpecified,
            $"{cmdlet.MyInvocation.MyCommand?.Name ?? cmdlet.GetType().Name} failed unexpectedly ({failure.GetType().Name}: {failure.Message.TrimEnd('.')}). " +
            "This is a bug in MeshCluster; the exception is in this error's Exception.InnerException.",
            inner: failure, terminating: true,
            recommendedAction: "Run the command again with $DebugPreference = 'Continue' and report the output and $Error[0].Exception.InnerException.");
}
